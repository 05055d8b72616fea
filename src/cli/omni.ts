import { ConfigError } from '../config.js';
import { describeFailure } from './errors.js';
import { buildProgram } from './program.js';

// `omni admin … | head`: the reader went away. Not a failure of the command, and no stack trace.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  process.stderr.write(`${describeFailure(err)}\n`);
  process.exit(1);
});

buildProgram().parseAsync().catch((err: Error) => {
  process.stderr.write(`${err instanceof ConfigError ? `error: ${err.message}` : describeFailure(err)}\n`);
  process.exit(1);
});
