import { describe, expect, it } from 'vitest';
import { withoutPayload, workerLogLevel } from './worker.js';

describe("graphile-worker's log meta", () => {
  it("names a job by id, task and attempts, without its payload (a PIM bulk job's holds the user's email and address)", () => {
    const job = { id: '12', task_identifier: 'pim.bulk-job', attempts: 3, max_attempts: 25, queue_name: null, key: null,
      payload: { storeId: 's', jobId: 'j', actor: 'someone@shop.example', ip: '203.0.113.9' }, locked_by: 'w' };
    const logged = withoutPayload({ failure: true, job, error: new Error('x') });
    expect(logged!.job).toEqual({ id: '12', task_identifier: 'pim.bulk-job', attempts: 3, max_attempts: 25, queue_name: null, key: null });
    expect(JSON.stringify(logged)).not.toContain('someone@shop.example');
    expect(logged!.failure).toBe(true);
    expect(withoutPayload({ workerId: 'w' })).toEqual({ workerId: 'w' });
    expect(withoutPayload(undefined)).toBeUndefined();
  });

  it("logs a task's own info lines at info (the hourly retention summary was dropped) and graphile-worker's own per-job ones at debug", () => {
    expect(workerLogLevel({ label: 'job' }, 'info')).toBe('info');
    expect(workerLogLevel({ label: 'worker' }, 'info')).toBe('debug');
    expect(workerLogLevel({ label: 'job' }, 'debug')).toBe('debug');
    expect(workerLogLevel({ label: 'worker' }, 'warning')).toBe('warn');
    expect(workerLogLevel({ label: 'worker' }, 'error', { failure: true, error: new Error('x') })).toBe('error');
    // A queue connection lost while the database is away: the outage is logged once, elsewhere.
    expect(workerLogLevel({ label: 'worker' }, 'error', { error: Object.assign(new Error('gone'), { code: 'ECONNREFUSED' }) })).toBe('debug');
  });
});
