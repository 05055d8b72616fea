/**
 * glibc malloc settings for Omni's processes and its embedded PostgreSQL's. A catalog request
 * is ~1.2 MB: the API receives it, concatenates it and reads it into a string, PostgreSQL
 * receives it as one message and reads it back detoasted. Over glibc's default mmap threshold
 * (128 KB, rising with use) each of those allocations came as fresh pages, returned at free,
 * and was page-faulted in again by the next request. Allocations up to 32 MB now come from the
 * heap, which keeps up to 64 MB free before returning memory to the system.
 *
 * Measured (docs/performance.md, twelfth session; a 2-core AMD EPYC VM, where a page fault is
 * dear): page faults were 13% of PostgreSQL's CPU in a catalog import (perf); alternating
 * pairs, the embedded server's: 8,753/9,072 → 9,713/9,487 products/s; the API's and worker's:
 * the API's CPU 3.35/3.62 → 2.77/3.16 s, 8,141/7,167 → 9,065/7,935 products/s.
 *
 * glibc reads them when a process starts: `npm start` sets them for the server (package.json),
 * startEmbeddedPostgres for the PostgreSQL it starts; a process manager should set them too.
 */
export const MALLOC_SETTINGS: Readonly<Record<string, string>> = {
  MALLOC_MMAP_THRESHOLD_: String(32 << 20),
  MALLOC_TRIM_THRESHOLD_: String(64 << 20),
};
