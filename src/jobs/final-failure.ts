import type { JobHelpers } from 'graphile-worker';
import { AppError } from '../errors/app-error.js';

/**
 * Runs a job's work and, when it fails for good, ends what the job was doing (`giveUp` records
 * it FAILED): a job that just stops being retried would leave its work PROCESSING for ever.
 * For good means a permanent error (an AppError, e.g. stored input that cannot be read), which no
 * retry mends, so the job ends now, done; or the last attempt failing for any other reason (the
 * database unreachable, a bug), which is rethrown so that graphile-worker keeps the job, failed,
 * with its error.
 */
export async function giveUpOnFinalFailure(helpers: JobHelpers, work: () => Promise<void>, giveUp: (err: unknown) => Promise<void>) {
  try {
    await work();
  } catch (err) {
    const permanent = err instanceof AppError;
    if (permanent || helpers.job.attempts >= helpers.job.max_attempts) await giveUp(err);
    if (!permanent) throw err;
  }
}
