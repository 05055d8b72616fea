import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { testConfig, TEST_KEY_B64 } from './test-app.js';

const exec = promisify(execFile);
export const OMNI_BIN = fileURLToPath(new URL('../../bin/omni.js', import.meta.url));

/** The environment `omni` runs with against the test database. */
export function omniEnv(): NodeJS.ProcessEnv {
  const config = testConfig();
  return {
    ...process.env, DATABASE_URL: config.DATABASE_URL, OMNI_ENCRYPTION_KEY: TEST_KEY_B64, OMNI_DATA_DIR: config.dataDir,
    WEBHOOK_ALLOW_PRIVATE_URLS: 'true',
  };
}

/** Runs `omni …` as a separate process against the test database (or with exactly `env` when given). */
export async function omni(...args: string[]) {
  return omniWithEnv(undefined, ...args);
}

export async function omniWithEnv(envOverride: NodeJS.ProcessEnv | undefined, ...args: string[]) {
  const env = envOverride ?? omniEnv();
  try {
    const { stdout, stderr } = await exec('node', [OMNI_BIN, ...args], { env });
    return { code: 0, stdout, stderr };
  } catch (err: any) {
    return { code: err.code as number, stdout: err.stdout as string, stderr: err.stderr as string };
  }
}

/** --json: stdout is exactly one JSON object and nothing else. */
export async function omniJson(...args: string[]) {
  const res = await omni(...args, '--json');
  expect(res.code, res.stderr).toBe(0);
  expect(res.stdout.trim().split('\n')).toHaveLength(1);
  return JSON.parse(res.stdout);
}
