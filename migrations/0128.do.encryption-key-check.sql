-- A check value of the key partner and webhook secrets are encrypted with (OMNI_ENCRYPTION_KEY, or
-- a key generated into OMNI_DATA_DIR): an HMAC-SHA256 of a fixed label under the key, from which the
-- key cannot be recovered. The first process that opens the database with a key records it; every
-- later one compares its own key with it and stops on a mismatch (src/auth/encryption-key-check.ts).
-- Without it, a CLI run without the key (or with another) quietly sealed a new partner's secret
-- under a key the API did not have: every request of that partner then failed with SYS_001.
-- One row at most: the primary key is a boolean that can only be true.
create table encryption_key_check (
  only_row boolean primary key default true check (only_row),
  check_value text not null,
  recorded_at timestamptz not null default now()
);
