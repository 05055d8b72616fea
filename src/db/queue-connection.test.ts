import { userInfo } from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { queueConnection } from './tls.js';

describe('the job queue\'s connection (pg)', () => {
  const saved = { USER: process.env.USER, PGUSER: process.env.PGUSER };
  afterEach(() => { for (const [name, value] of Object.entries(saved)) if (value === undefined) delete process.env[name]; else process.env[name] = value; });

  it('names the system user for a URL without one, as postgres.js does, where pg read $USER (unset in a container: no user was sent; config QA)', async () => {
    delete process.env.USER;
    delete process.env.PGUSER;
    expect((await queueConnection('postgres:///omni?host=/var/run/postgresql')).user).toBe(userInfo().username);
    expect((await queueConnection('postgres://app@db.example/omni')).user).toBeUndefined();
    process.env.PGUSER = 'from_env';
    expect((await queueConnection('postgres://db.example/omni')).user).toBeUndefined();
  });

  it('starts its sessions with Omni\'s settings, the URL\'s own options after them', async () => {
    const { options, connectionString } = await queueConnection('postgres://app@db.example/omni?options=-c%20search_path%3Domni');
    expect(options).toBe('-c TimeZone=UTC -c DateStyle=ISO,\\ MDY -c bytea_output=hex -c default_transaction_isolation=read\\ committed -c idle_session_timeout=0 -c search_path=omni');
    expect(connectionString).toBe('postgres://app@db.example/omni');
  });
});
