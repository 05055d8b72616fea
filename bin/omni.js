#!/usr/bin/env node
// Runs the compiled build (npm run build) when it was built from the current sources,
// else the TypeScript sources directly (tsx compiles on load): a stale build is never run.
// The build saves each process tsx's loader thread and transpiling (~30 MiB of RSS).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { sourceStamp } from './source-stamp.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const stampFile = join(root, 'dist', '.source-stamp');
const compiled = process.env.OMNI_RUN_SOURCES !== '1' && existsSync(stampFile) && readFileSync(stampFile, 'utf8') === sourceStamp(root);
if (compiled) {
  // The long-running processes' logs name the sources in their stack traces (the bundle's own
  // lines are in files of ~40,000 named by a hash; QA). Not the one-off commands: reading the maps
  // costs ~0.05 s of CPU a start, and a command prints one line for a failure, no stack (src/cli/errors.ts).
  if (['serve', 'worker'].includes(process.argv[2])) process.setSourceMapsEnabled(true);
  await import(pathToFileURL(join(root, 'dist', 'cli', 'omni.js')).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/omni.ts');
}
