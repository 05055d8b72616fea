/** The test file's own database (test/helpers/file-database.ts made it before the file ran). */
export function testDatabaseUrl(): string {
  const url = process.env.OMNI_TEST_DATABASE_URL;
  if (!url) throw new Error('no test database: test/helpers/file-database.ts is not among vitest\'s setupFiles');
  return url;
}

/** The test file's own data folder (exports, demo credentials), under the run's. */
export function testDataDir(): string {
  const dir = process.env.OMNI_TEST_DATA_DIR;
  if (!dir) throw new Error('no test data folder: test/helpers/file-database.ts is not among vitest\'s setupFiles');
  return dir;
}
