import { afterEach } from 'vitest';
import { takeUndeclaredErrors } from '../../src/http/plugins/declared-errors.js';

/**
 * Every test fails when the app answered an error code its route does not declare
 * (src/http/plugins/declared-errors.ts), whatever the test itself asserts.
 */
afterEach(() => {
  const problems = takeUndeclaredErrors();
  if (problems.length > 0) throw new Error(`undeclared error codes:\n${problems.join('\n')}`);
});
