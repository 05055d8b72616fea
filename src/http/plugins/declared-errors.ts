import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from '../../errors/app-error.js';
import { declaredErrorCodes, declaredRowCodes } from '../error-responses.js';

/**
 * Under the test suite (vitest sets VITEST) every error answer is checked against the codes its
 * route declares (errorResponsesFor, RowErrorSchema): an undeclared one is answered SYS_001 with a
 * message naming the route and the code, and recorded, and test/helpers/declared-errors.ts fails
 * the test that caused it. So each error path the suite reaches proves the OpenAPI document's
 * list. Outside tests nothing is registered and the error handler tests one constant. The codes
 * processing records for batch rows and PIM items are checked so too (checkRecordedCodes).
 */
export const checkDeclaredErrors = process.env.VITEST !== undefined;

const problems: string[] = [];

/** The undeclared codes answered since the last call (the tests' afterEach reads them). */
export function takeUndeclaredErrors(): string[] {
  return problems.splice(0);
}

const routeName = (request: FastifyRequest) => `${request.method} ${request.routeOptions.url}`;

function record(problem: string): string {
  problems.push(problem);
  return problem;
}

/**
 * Why answering `code` with `status` breaks the route's declaration; undefined when it is declared,
 * or when there is no route (404) or the route declares no errors (the seller's HTML pages,
 * /metrics, tests' own routes; the OpenAPI test checks every documented operation declares them).
 */
export function undeclaredError(request: FastifyRequest, code: string, status: number): string | undefined {
  const errors = request.routeOptions.schema?.errors;
  if (!errors || declaredErrorCodes(errors[status])?.includes(code)) return undefined;
  return record(`${routeName(request)} answered ${code} (${status}), which the route does not declare: add it to its schema.errors (errorResponsesFor)`);
}

/**
 * The codes rows were recorded with where processing writes them (a partner batch's outcomes, a
 * PIM bulk job's item errors), checked against the list their surface declares (row-codes.ts):
 * one outside it is recorded, and fails the test that produced it, as an undeclared answer does.
 * The rows are written as they are: the check only tells. Outside tests it returns at once.
 */
export function checkRecordedCodes(surface: string, rows: readonly { code?: string | null }[], declared: readonly string[]) {
  if (!checkDeclaredErrors) return;
  const undeclared = [...new Set(rows.flatMap(({ code }) => (code && !declared.includes(code) ? [code] : [])))];
  if (undeclared.length > 0) record(`${surface} recorded ${undeclared.join(', ')}, which its list does not declare: add it there (src/http/row-codes.ts)`);
}

/** The row codes of data.errors[] in a bulk endpoint's answer, checked as the error codes are. */
export function registerDeclaredRowErrors(app: FastifyInstance) {
  app.addHook('preSerialization', async (request, reply, payload: unknown) => {
    const rows = (payload as { data?: { errors?: unknown } } | null)?.data?.errors;
    const response = request.routeOptions.schema?.response as Record<number, unknown> | undefined;
    const declared = Array.isArray(rows) ? declaredRowCodes(response?.[reply.statusCode]) : undefined;
    if (!declared) return payload;
    const undeclared = [...new Set((rows as { code: string }[]).map((r) => r.code).filter((c) => !declared.includes(c)))];
    if (undeclared.length === 0) return payload;
    throw new AppError('SYS_001', { undeclared }, record(
      `${routeName(request)} refused rows with ${undeclared.join(', ')}, which its RowErrorSchema does not declare`));
  });
}
