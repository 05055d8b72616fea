import { describe, expect, it } from 'vitest';
import { omniEnv, omniWithEnv } from '../helpers/cli.js';

// CI builds before it tests, so that the suite's ~90 spawned `omni` commands run the compiled
// build (about twice as fast as compiling the sources on load): this runs one through tsx, the
// path `npm start` takes on a fresh clone and every developer's change before a build.
describe('omni from the TypeScript sources (OMNI_RUN_SOURCES=1, tsx)', () => {
  it('runs a command against the database', async () => {
    const res = await omniWithEnv({ ...omniEnv(), OMNI_RUN_SOURCES: '1' }, 'admin', 'partner', 'list', '--json');
    expect(res.code, res.stderr).toBe(0);
    expect(JSON.parse(res.stdout)).toHaveProperty('partners');
  });
});
