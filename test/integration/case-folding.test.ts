import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { connect } from '../../src/db/database.js';
import { startEmbeddedPostgres } from '../../src/db/embedded.js';
import { caseFoldingWarning } from '../../src/db/case-folding.js';
import { databaseUrlFor } from '../helpers/database-url.js';
import { freePort } from '../helpers/free-port.js';

// `q=` (ILIKE) and DUPLICATE_SKU (lower()) fold case as the database's default collation does: under
// a libc `C` ctype only ASCII letters, and the embedded database got one whenever its first start
// ran under LC_ALL=C or without LANG (Unicode QA: `q=äpfel` missed "ÄPFEL Großpackung").
const admin = connect(inject('adminUrl'), 1);
const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => {});
  await admin.end();
});

describe('case folding of non-ASCII letters', () => {
  it('the embedded database folds them whatever the locale of its first start', async () => {
    const saved = { LC_ALL: process.env.LC_ALL, LANG: process.env.LANG };
    process.env.LC_ALL = 'C';
    delete process.env.LANG;
    const dataDir = await mkdtemp(join(tmpdir(), 'omni-case-folding-'));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    const embedded = await startEmbeddedPostgres({ dataDir, port: await freePort(), restartOnExit: false }).finally(() => {
      for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k]; else process.env[k] = v;
    });
    cleanups.push(() => embedded.stop());
    const sql = connect(embedded.connectionString, 1);
    cleanups.push(() => sql.end());
    const [row] = await sql`select lower('ÄPFEL ΩΜΕΓΑ') as lowered, 'ÄPFEL Großpackung' ilike '%äpfel%' as found, 'Z' < 'Ä' as code_point_order`;
    expect(row).toEqual({ lowered: 'äpfel ωμεγα', found: true, code_point_order: true });
    expect(await caseFoldingWarning(sql)).toBeUndefined();
  });

  it('a database that folds ASCII letters alone is named at start, with the fix', async () => {
    const name = `omni_ctype_c_${randomBytes(4).toString('hex')}`;
    await admin.unsafe(`create database ${name} template template0 encoding 'UTF8' locale_provider libc locale 'C'`);
    cleanups.push(() => admin.unsafe(`drop database if exists ${name} with (force)`));
    const sql = connect(databaseUrlFor(inject('adminUrl'), name), 1);
    cleanups.push(() => sql.end());
    expect(await caseFoldingWarning(sql)).toMatch(/^the database folds only ASCII letters to another case \(its ctype is C\): `q=` .*DUPLICATE_SKU.*--locale=C\.UTF-8/);
  });
});
