import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts', 'bench/**/*.test.ts'],
    globalSetup: ['test/helpers/global-setup.ts'],
    // Each test file works on a database of its own (file-database.ts), so files run at once; each
    // error a test meets must be one its route declares in the OpenAPI document (declared-errors.ts).
    setupFiles: ['test/helpers/file-database.ts', 'test/helpers/declared-errors.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // A worker process runs its files one after another on one module graph: the app's modules are
    // loaded once per worker, not once per file (the external run: 233 s → 166 s, its workers'
    // import time 114 s → 18 s, 2026-12-05). The setup files still run before each file, so what a
    // file needs of its own (its database, its data folder) is made there; a module must not keep
    // state a file depends on.
    isolate: false,
    // The files mostly wait (on PostgreSQL, spawned processes, receivers), so more run at once than
    // there are cores; vitest's default here would be one. On 2 cores the embedded run took 123 s
    // with 3, 132 s with 4, 289 s with 1 (2026-12-04).
    maxWorkers: Math.max(3, availableParallelism() - 1),
  },
});
