import { describe, expect, it } from 'vitest';
import { describeFailure } from './errors.js';
import { AppError } from '../errors/app-error.js';

const failure = (message: string, fields: object) => Object.assign(new Error(message), fields);

describe('describeFailure', () => {
  it('says which database could not be reached, whatever the driver said', () => {
    const refused = failure('connect ECONNREFUSED 127.0.0.1:1', { code: 'ECONNREFUSED' });
    expect(describeFailure(refused, { DATABASE_URL: 'postgres://u:secret@127.0.0.1:1/x' }))
      .toBe('error: cannot connect to the database of DATABASE_URL: connect ECONNREFUSED 127.0.0.1:1; '
        + 'check that PostgreSQL runs there and that DATABASE_URL (host, port, user, password, database) is right, and the role may connect');
    const revoked = failure('permission denied for database "omni"', { code: '42501', routine: 'CheckMyDatabase' });
    expect(describeFailure(revoked, { DATABASE_URL: 'postgres://u@db/omni' })).toMatch(/^error: cannot connect to the database of DATABASE_URL: permission denied for database "omni"; /);
    // A table's grant, refused to a query: not the connection's.
    expect(describeFailure(failure('permission denied for table partners', { code: '42501', routine: 'aclcheck_error' }), { DATABASE_URL: 'postgres://u@db/omni' }))
      .toBe('error: permission denied for table partners');
    const login = failure('password authentication failed for user "postgres"', { code: '28P01' });
    expect(describeFailure(login, {})).toBe('error: cannot connect to the embedded PostgreSQL: password authentication failed for user "postgres"; '
      + 'check OMNI_DATA_DIR and OMNI_PG_PORT, and the output of `omni serve`');
  });

  it('says a HOST that does not resolve is the listen\'s failure, not the database\'s', () => {
    const unknownHost = failure('getaddrinfo ENOTFOUND no.such.host.invalid', { code: 'ENOTFOUND', syscall: 'getaddrinfo', listenAddress: 'no.such.host.invalid:8185' });
    expect(describeFailure(unknownHost, { DATABASE_URL: 'postgres://u@db/x' }))
      .toBe('error: cannot listen on no.such.host.invalid:8185 (getaddrinfo ENOTFOUND no.such.host.invalid): check HOST (an address or name of this machine) and PORT');
  });

  it('names the address in use and what to change', () => {
    const inUse = failure('listen EADDRINUSE: address already in use 127.0.0.1:8080', { code: 'EADDRINUSE', address: '127.0.0.1', port: 8080 });
    expect(describeFailure(inUse)).toBe('error: 127.0.0.1:8080 is already in use (another omni serve?): stop that process or set PORT (and HOST)');
  });

  it('turns a constraint PostgreSQL names into what the operator typed', () => {
    const duplicate = failure('duplicate key value violates unique constraint "sellers_email_key"',
      { code: '23505', constraint_name: 'sellers_email_key', detail: 'Key (email)=(a@b.c) already exists.' });
    expect(describeFailure(duplicate)).toBe('error: a seller with this email already exists (email a@b.c)');
    const unknown = failure('insert or update violates foreign key constraint "x_fkey"', { code: '23503', constraint_name: 'x_fkey', detail: 'Key (y_id)=(1) is not present in table "y".' });
    expect(describeFailure(unknown)).toBe('error: refers to something that does not exist (y_id 1)');
  });

  it('says what to do next: where to find the right id, the hint of a catalogued error', () => {
    expect(describeFailure(new Error('no store with client id str_x')))
      .toBe("error: no store with client id str_x: `omni admin store list --partner ptnr_…` lists a partner's stores (str_…)");
    expect(describeFailure(new Error('no partner with client id ptnr_x'))).toBe('error: no partner with client id ptnr_x: `omni admin partner list` lists the partners (ptnr_…)');
    expect(describeFailure(new AppError('WHK_001'))).toBe('error: Webhook endpoint not found (WHK_001): List your endpoints with GET /api/v1/partner/webhooks/endpoints');
    expect(describeFailure(new AppError('WHK_003', { url: 'http://10.0.0.1/', reason: '10.0.0.1 is not a public address (private)' })))
      .toMatch(/^error: Webhook URL not allowed \(WHK_003: 10\.0\.0\.1 is not a public address \(private\)\): Use an absolute/);
    expect(describeFailure(new Error('something else'))).toBe('error: something else');
  });
});
