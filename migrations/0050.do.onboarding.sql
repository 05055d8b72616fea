-- Onboarding (partner-api.md): a partner opens a short-lived session, the store's seller
-- signs in on our page and authorizes it for a period, the partner then fetches the
-- store credential once, encrypted with its own key.

-- Each partner's 32-byte key for ENCRYPTED: fields, sealed with the server key.
alter table partners add column encryption_key_ciphertext text;

create table sellers (
  id uuid primary key default gen_random_uuid(),
  store_id uuid not null references stores (id),
  email text not null unique,
  -- scrypt: "scrypt$N$r$p$salt$hash" (base64url parts).
  password_hash text not null,
  created_at timestamptz not null default now()
);

create table onboard_sessions (
  id text primary key,
  partner_id uuid not null references partners (id),
  redirect_uri text not null,
  status text not null default 'OPEN' check (status in ('OPEN', 'SIGNED_IN', 'AUTHORIZED', 'CANCELLED', 'CLAIMED')),
  expires_at timestamptz not null,
  seller_id uuid references sellers (id),
  store_id uuid references stores (id),
  -- sha256 of the browser's session cookie at sign-in: only that browser may authorize.
  browser_hash bytea,
  authorized_until timestamptz,
  claimed_at timestamptz,
  created_at timestamptz not null default now()
);
create index onboard_sessions_partner_idx on onboard_sessions (partner_id, created_at);

create table store_authorizations (
  store_id uuid not null references stores (id),
  partner_id uuid not null references partners (id),
  session_id text not null references onboard_sessions (id),
  expires_at timestamptz not null,
  revoked_at timestamptz,
  created_at timestamptz not null default now(),
  primary key (store_id, session_id)
);
