import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, inject } from 'vitest';
import { scratchDatabase } from './scratch-database.js';

/**
 * Setup file: each test file gets a database of its own, copied from the run's migrated template
 * (test/helpers/global-setup.ts; the copy is named after it, so the run's end drops any a file
 * left), and a data folder of its own. Files then run at once without one file's worker taking
 * another's queued jobs or one file's rows showing in another's lists. `testDatabaseUrl()` and
 * `testDataDir()` give them to the file.
 */
const db = await scratchDatabase(inject('templateDatabase'));
process.env.OMNI_TEST_DATABASE_URL = db.url;
process.env.OMNI_TEST_DATA_DIR = join(inject('dataDir'), new URL(db.url).pathname.slice(1));
await mkdir(process.env.OMNI_TEST_DATA_DIR, { recursive: true });

afterAll(() => db.drop());
