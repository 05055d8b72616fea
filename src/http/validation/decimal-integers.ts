import type { ErrorObject } from 'ajv';
import { paramsAjv } from './ajv.js';

/**
 * An integer of a query string, path or header: decimal digits, after an optional minus (a
 * negative one is then told by its bound). ajv's coercion took any text JavaScript reads as a
 * number: `?page=0x2` was page 2, `?page=1e1` page 10, `?limit=1.0` and `?limit= 5` were taken.
 */
const DECIMAL_INTEGER = /^-?[0-9]+$/;

type PartSchema = { properties?: Record<string, { type?: unknown }> };

/**
 * The validator of a request part other than the body (app.ts and bulk routes' compilers): ajv's
 * (paramsAjv), whose integers must be written in decimal too. A value written otherwise is a type
 * error, as `?limit=2.5` is ("limit must be an integer number", VAL_001), beside the part's other errors.
 */
export function compileRequestPart(schema: object) {
  const validate = paramsAjv.compile(schema);
  const integers = Object.entries((schema as PartSchema).properties ?? {}).filter(([, s]) => s.type === 'integer');
  const scalars = Object.entries((schema as PartSchema).properties ?? {}).filter(([, s]) => s.type !== 'array');
  const check = Object.assign((data: unknown) => {
    const values = (data ?? {}) as Record<string, unknown>;
    // A parameter of one value sent several times (`?sid=a&sid=b`): said so, not what ajv says of
    // the array (`sid must be a string`, and its length bounds: onboarding QA).
    const repeated = scalars.flatMap(([name, parentSchema]): ErrorObject[] => {
      const value = values[name];
      if (!Array.isArray(value) || value.length < 2) return [];
      return [{ instancePath: `/${name}`, schemaPath: `#/properties/${name}`, keyword: 'repeated', params: {},
        message: `was sent ${value.length} times: send it once`, schema: parentSchema, parentSchema, data: value }];
    });
    const malformed = [...repeated, ...integers.flatMap(([name, parentSchema]) => {
      // One value of a repeated query parameter comes as an array, which ajv unwraps ('array' coercion).
      const raw = Array.isArray(values[name]) && (values[name] as unknown[]).length === 1 ? (values[name] as unknown[])[0] : values[name];
      if (typeof raw !== 'string' || DECIMAL_INTEGER.test(raw)) return [];
      const error: ErrorObject = { instancePath: `/${name}`, schemaPath: `#/properties/${name}/type`, keyword: 'type', params: { type: 'integer' },
        message: 'must be integer', schema: 'integer', parentSchema, data: raw };
      return [error];
    })];
    const valid = validate(data);
    if (malformed.length === 0) {
      check.errors = validate.errors;
      return valid;
    }
    // What ajv said of the number it read such a value as (`?page=0x0`: below 1) is left out: the value is told as written.
    const others = (validate.errors ?? []).filter((e) => !malformed.some((m) => e.instancePath === m.instancePath));
    check.errors = [...others, ...malformed];
    return false;
  }, { errors: null as ErrorObject[] | null | undefined });
  return check;
}
