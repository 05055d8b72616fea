#!/usr/bin/env node
// npm run build: compiles src/ to dist/ and records which sources it was built from
// (bin/omni.js runs dist/ only while they are unchanged).
import { execFileSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sourceStamp } from './source-stamp.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const stamp = sourceStamp(root);
rmSync(join(root, 'dist'), { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
execFileSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
writeFileSync(join(root, 'dist', '.source-stamp'), stamp);
console.log(`built dist/ from sources ${stamp.slice(0, 12)}`);
