import { Ajv, type Options } from 'ajv';
import addFormats from 'ajv-formats';

/**
 * Two validators. Bodies are checked strictly (no coercion, unknown properties
 * rejected, every error reported for VAL_001); query strings, params and
 * headers arrive as text, so there numbers and booleans are coerced.
 */
function make(options: Options): Ajv {
  const ajv = new Ajv({ strict: false, allErrors: true, verbose: true, useDefaults: true, ...options });
  addFormats.default(ajv);
  return ajv;
}

export const bodyAjv = make({ coerceTypes: false, removeAdditional: false });
export const paramsAjv = make({ coerceTypes: 'array', removeAdditional: false });
