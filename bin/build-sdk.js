#!/usr/bin/env node
// npm run build:sdk [-- OUT]: compiles the partner SDK (src/sdk, no server code) to plain
// JavaScript ES modules with .d.ts types in OUT (default dist-sdk/), a folder a partner copies
// into a JavaScript project as it is (docs/partner-auth.md).
import { execFileSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = resolve(process.argv[2] ?? join(root, 'dist-sdk'));
rmSync(out, { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
execFileSync(process.execPath, [tsc, join(root, 'src/sdk/index.ts'), '--outDir', out, '--rootDir', join(root, 'src/sdk'),
  '--module', 'es2022', '--moduleResolution', 'bundler', '--target', 'es2022', '--declaration', '--strict', '--skipLibCheck', '--types', 'node'],
{ stdio: 'inherit', cwd: root });
// ES modules whatever the project around them says (a CommonJS project loads them with import()).
writeFileSync(join(out, 'package.json'), `${JSON.stringify({ name: 'omni-partner-sdk', type: 'module', main: './index.js', types: './index.d.ts' }, null, 2)}\n`);
console.log(`built the partner SDK into ${out}`);
