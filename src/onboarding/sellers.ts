import { randomBytes, scrypt as scryptCb, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import type { Queryable } from '../db/database.js';

const scrypt = promisify(scryptCb) as (password: string, salt: Buffer, keylen: number, opts: { N: number; r: number; p: number; maxmem: number }) => Promise<Buffer>;
/** scrypt cost: N=2^15, r=8, p=1 (~32 MiB, tens of ms): slow for guessing, fine for a sign-in. */
const PARAMS = { N: 2 ** 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await scrypt(password, salt, 32, PARAMS);
  return ['scrypt', PARAMS.N, PARAMS.r, PARAMS.p, salt.toString('base64url'), hash.toString('base64url')].join('$');
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, N, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt') return false;
  const expected = Buffer.from(hash, 'base64url');
  const actual = await scrypt(password, Buffer.from(salt, 'base64url'), expected.length, { N: Number(N), r: Number(r), p: Number(p), maxmem: PARAMS.maxmem });
  return timingSafeEqual(actual, expected);
}

/** The shortest sign-in password: `omni admin seller create` refuses a shorter one as it reads its options (option-values.ts). */
export const MIN_PASSWORD_LENGTH = 8;
/** A password's length in characters (code points): `.length` took 4 emoji for the 8 asked (limits QA). */
export const passwordLength = (password: string) => [...password].length;

/** A store owner's sign-in for the onboarding page (created by `omni admin seller create`). */
export async function createSeller(sql: Queryable, input: { email: string; password: string; storeClientId: string }) {
  const [store] = await sql<{ id: string }[]>`select id from stores where client_id = ${input.storeClientId}`;
  if (!store) throw new Error(`no store with client id ${input.storeClientId}`);
  if (passwordLength(input.password) < MIN_PASSWORD_LENGTH) throw new Error(`the password must have at least ${MIN_PASSWORD_LENGTH} characters`);
  const [row] = await sql<{ id: string }[]>`
    insert into sellers (store_id, email, password_hash) values (${store.id}, ${input.email.toLowerCase()}, ${await hashPassword(input.password)})
    returning id`;
  return { sellerId: row.id, email: input.email.toLowerCase(), storeClientId: input.storeClientId };
}

/** The seller with this email and password, or null (the same time spent either way). */
export async function authenticateSeller(sql: Queryable, email: string, password: string) {
  const [seller] = await sql<{ id: string; store_id: string; password_hash: string }[]>`
    select id, store_id, password_hash from sellers where email = ${email.toLowerCase()}`;
  const ok = await verifyPassword(password, seller?.password_hash ?? 'scrypt$32768$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA');
  return ok && seller ? { sellerId: seller.id, storeId: seller.store_id } : null;
}
