import { InvalidArgumentError } from 'commander';

/** Argument parsers for `omni` options: a wrong value is a usage error naming the option, before any database is opened. */

/** `--json` of every admin command (context.ts `output`). */
export const JSON_OPTION = ['--json', 'print exactly one JSON object on stdout'] as const;

export const wholeNumber = (v: string) => {
  const n = Number(v);
  if (!/^\d+$/.test(v.trim()) || !Number.isSafeInteger(n)) throw new InvalidArgumentError(`expected a whole number, got "${v}".`);
  return n;
};

export const nonEmpty = (v: string) => {
  if (!v.trim()) throw new InvalidArgumentError('expected a value, got an empty one.');
  return v;
};

const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;
/** A PIM organization's or user's id, as `omni admin org create` / `user create` printed it. */
export const uuid = (v: string) => {
  if (!UUID.test(v.trim())) throw new InvalidArgumentError(`expected a uuid (as the create command printed it), got "${v}".`);
  return v.trim();
};

/** A JSON text, kept as given (its bytes are what a signature covers). */
export const jsonText = (v: string) => {
  try {
    JSON.parse(v);
  } catch (err) {
    throw new InvalidArgumentError(`expected JSON (${(err as Error).message}).`);
  }
  return v;
};
