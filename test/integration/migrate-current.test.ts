import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type Sql } from '../../src/db/database.js';
import { migrate } from '../../src/db/migrate.js';
import { scratchDatabase } from '../helpers/scratch-database.js';

// A database of its own, migrated here from nothing.
let db: Awaited<ReturnType<typeof scratchDatabase>>;
let sql: Sql;
let url: string;
beforeAll(async () => {
  db = await scratchDatabase('omni_migrate', { migrated: false });
  url = db.url;
  sql = connect(url, 2);
});
afterAll(async () => {
  await sql.end();
  await db.drop();
});

describe('migrate', () => {
  it('applies every migration to a new database, nothing to a current one, and the missing ones to a database two behind', async () => {
    const first = await migrate(sql, url);
    expect(first[0]).toBe('0001.do.foundation.sql');
    expect(await migrate(sql, url)).toEqual([]);

    // Two behind: the last two migrations undone and unrecorded. A migration added after 0120 must be
    // the one undone here instead of 0119.
    expect(first.slice(-2)).toEqual(['0119.do.sku-in-quality-score.sql', '0120.do.previous-secrets.sql']);
    const restated = (fn: string, mark: string) => sql`select count(*)::int as n from pg_proc
      where proname = ${fn} and prosrc like ${`%${mark}%`}`.then(([r]) => r.n);
    const file = (name: string) => readFileSync(new URL(`../../migrations/${name}`, import.meta.url), 'utf8');
    // 0119 adds the SKU to product_quality_score: 0041's restored (created, not replaced, there).
    const before0119 = file('0041.do.quality-rules.sql');
    await sql.unsafe(before0119.slice(before0119.indexOf('create function product_quality_score('), before0119.indexOf('-- One statement: the findings'))
      .replace('create function', 'create or replace function'));
    // 0120 keeps every rolled secret in previous_secrets: 0095's one previous secret restored.
    await sql`alter table webhook_endpoints drop column previous_secrets,
      add column previous_secret_ciphertext text, add column previous_secret_expires_at timestamptz`;
    // A product whose score was 40 (a description, a category) and is 50 with its SKU: its open
    // LOW_QUALITY_SCORE resolves when 0119 evaluates it again; one at 0, 10 now, keeps it, with the new score.
    const [{ id: storeId, partner_id: partnerId }] = await sql`with pa as (insert into partners (client_id, name, secret_ciphertext) values ('p', 'p', 'x') returning id)
      insert into stores (partner_id, client_id, name) select id, 's', 's' from pa returning id, partner_id`;
    const [{ id: category }] = await sql`insert into categories (name) values ('c') returning id`;
    const products = await sql`insert into products (store_id, sku, name, description, category_id) values
      (${storeId}, 'FIFTY', 'Fifty', ${'x'.repeat(120)}, ${category}), (${storeId}, 'TEN', 'Ten', null, null) returning id`;
    await sql`select evaluate_quality(${storeId}::uuid, ${products.map((p) => p.id)}::uuid[])`;
    const low = () => sql`select p.name, vi.message from validation_issues vi join products p on p.id = vi.product_id
      where vi.code = 'LOW_QUALITY_SCORE' and not vi.resolved order by 1`.then((rows) => rows.map((r) => `${r.name}: ${r.message}`));
    expect(await low()).toEqual(['Fifty: Data quality score 40 is below 50', 'Ten: Data quality score 0 is below 50']);
    // An endpoint whose previous secret still signs, one whose grace is over: only the first keeps it.
    await sql`insert into webhook_endpoints (partner_id, id, url, secret_ciphertext, event_types, previous_secret_ciphertext, previous_secret_expires_at) values
      (${partnerId}, 'we_graced', 'https://a.example', 'new', '{}', 'old', now() + interval '1 hour'),
      (${partnerId}, 'we_over', 'https://b.example', 'new', '{}', 'old', now() - interval '1 hour')`;
    await sql`delete from schemaversion where version in (119, 120)`;
    expect(await restated('product_quality_score', 'has_variants')).toBe(0);

    expect(await migrate(sql, url)).toEqual(first.slice(-2));
    expect(await restated('product_quality_score', 'has_variants')).toBe(1);
    expect(await low()).toEqual(['Ten: Data quality score 10 is below 50']);
    const secrets = await sql`select id, jsonb_array_length(previous_secrets) as n, previous_secrets->0->>'ciphertext' as kept from webhook_endpoints order by id`;
    expect(secrets.map((r) => ({ ...r }))).toEqual([{ id: 'we_graced', n: 1, kept: 'old' }, { id: 'we_over', n: 0, kept: null }]);
  });
});
