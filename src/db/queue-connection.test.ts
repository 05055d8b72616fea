import { userInfo } from 'node:os';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { queueConnection } from './tls.js';

describe('the job queue\'s connection (pg)', () => {
  const saved = { PGUSER: process.env.PGUSER, defaultUser: pg.defaults.user };
  afterEach(() => {
    if (saved.PGUSER === undefined) delete process.env.PGUSER; else process.env.PGUSER = saved.PGUSER;
    pg.defaults.user = saved.defaultUser;
  });
  /** The user pg would send, as its client reads the configuration. */
  const userSent = async (url: string) => (new pg.Client(await queueConnection(url)) as unknown as { connectionParameters: { user?: string } }).connectionParameters.user;

  it('sends the system user for a URL without one, as postgres.js does, where pg read $USER (unset in a container: no user was sent; config QA)', async () => {
    delete process.env.PGUSER;
    // pg's default user is $USER as it was when pg loaded: none in a container.
    pg.defaults.user = undefined;
    expect(await userSent('postgres:///omni?host=/var/run/postgresql')).toBe(userInfo().username);
    expect(await userSent('postgres://127.0.0.1:5432/omni')).toBe(userInfo().username);
    expect(await userSent('postgres://app@db.example/omni')).toBe('app');
    process.env.PGUSER = 'from_env';
    expect(await userSent('postgres://db.example/omni')).toBe('from_env');
  });
});
