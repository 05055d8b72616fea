import type { TObject } from '@sinclair/typebox';
import { bodyAjv } from './ajv.js';
import { MAX_TOLD_FIELDS, toValidationTree, type ValidationTree } from './validation-errors.js';

/**
 * The schema check of one bulk row (a product, an inventory or price item) of the body's array
 * `field`: null when it passes (ajv's defaults then applied to it), else its VAL_001 tree, rooted
 * at the row (`products[3]`; the name made only then).
 *
 * A row's unknown properties past the first MAX_TOLD_FIELDS are left out of ajv's run and only
 * counted: the tree tells no more than that many fields anyway, and ajv (allErrors, verbose)
 * built an error object for each before the tree dropped them: 1,000 rows of 500 unknown
 * properties (a 10 MB body) held the API's event loop ~0.3-0.5 s for 500,000 errors (QA).
 * Only for a schema that takes no other properties: such a row fails whatever the rest holds.
 */
export function rowValidator(schema: TObject, field: string) {
  const validate = bodyAjv.compile(schema);
  const known = new Set(Object.keys(schema.properties));
  const closed = schema.additionalProperties === false;
  return (row: unknown, rowIndex: number): ValidationTree | null => {
    let checked = row;
    let untold = 0;
    if (closed && row !== null && typeof row === 'object' && !Array.isArray(row) && hasMoreKeys(row, known.size + MAX_TOLD_FIELDS)) {
      const kept: Record<string, unknown> = Object.create(null);
      let unknown = 0;
      for (const key of Object.keys(row)) {
        if (!known.has(key) && ++unknown > MAX_TOLD_FIELDS) { untold++; continue; }
        kept[key] = (row as Record<string, unknown>)[key];
      }
      if (untold > 0) checked = kept;
    }
    if (validate(checked)) return null;
    return toValidationTree(validate.errors ?? [], `${field}[${rowIndex}]`, untold, schema);
  };
}

/** Whether the object has more than `limit` keys, counted without allocating (the usual row has fewer). */
function hasMoreKeys(row: object, limit: number): boolean {
  let count = 0;
  // A parsed JSON object: its keys are its own.
  for (const _key in row) if (++count > limit) return true;
  return false;
}
