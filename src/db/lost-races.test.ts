import { describe, expect, it } from 'vitest';
import { lostRace, retryingLostRaces } from './lost-races.js';

const pgError = (code: string) => Object.assign(new Error(`code ${code}`), { code });

describe('retryingLostRaces', () => {
  it('runs a transaction ended for a deadlock or a serialization failure again, up to the attempts', async () => {
    let runs = 0;
    const retried: number[] = [];
    const result = await retryingLostRaces(async () => {
      runs++;
      if (runs === 1) throw pgError('40P01');
      if (runs === 2) throw pgError('40001');
      return 'done';
    }, { onRetry: (_err, attempt) => retried.push(attempt) });
    expect(result).toBe('done');
    expect(retried).toEqual([1, 2]);
    let endless = 0;
    await expect(retryingLostRaces(async () => { endless++; throw pgError('40P01'); }, { attempts: 4 })).rejects.toMatchObject({ code: '40P01' });
    expect(endless).toBe(4);
  });

  it('throws anything else at once', async () => {
    let runs = 0;
    await expect(retryingLostRaces(async () => { runs++; throw pgError('23505'); })).rejects.toMatchObject({ code: '23505' });
    expect(runs).toBe(1);
    expect([lostRace(null), lostRace(new Error('x')), lostRace(pgError('40P01'))]).toEqual([false, false, true]);
  });
});
