import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from '../../errors/app-error.js';
import { declaredErrorCodes, declaredRowCodes } from '../error-responses.js';

/**
 * Under the test suite (vitest sets VITEST) every error answer is checked against the codes its
 * route declares (errorResponsesFor, RowErrorSchema): an undeclared one is answered SYS_001 with a
 * message naming the route and the code, and recorded, and test/helpers/declared-errors.ts fails
 * the test that caused it. So each error path the suite reaches proves the OpenAPI document's
 * list. Outside tests nothing is registered and the error handler tests one constant.
 */
export const checkDeclaredErrors = process.env.VITEST !== undefined;

const problems: string[] = [];

/** The undeclared codes answered since the last call (the tests' afterEach reads them). */
export function takeUndeclaredErrors(): string[] {
  return problems.splice(0);
}

const routeName = (request: FastifyRequest) => `${request.method} ${request.routeOptions.url}`;
const responseSchema = (request: FastifyRequest, status: number) =>
  (request.routeOptions.schema?.response as Record<string, unknown> | undefined)?.[status];

function record(problem: string): string {
  problems.push(problem);
  return problem;
}

/**
 * Why answering `code` with `status` breaks the route's declaration; undefined when it is declared,
 * or when there is no route (404) or the route documents no responses (hidden pages, test routes).
 */
export function undeclaredError(request: FastifyRequest, code: string, status: number): string | undefined {
  if (!request.routeOptions.schema?.response) return undefined;
  if (declaredErrorCodes(responseSchema(request, status))?.includes(code)) return undefined;
  return record(`${routeName(request)} answered ${code} (${status}), which its response schema does not declare: add it to the route's errorResponsesFor`);
}

/** The row codes of data.errors[] in a bulk endpoint's answer, checked as the error codes are. */
export function registerDeclaredRowErrors(app: FastifyInstance) {
  app.addHook('preSerialization', async (request, reply, payload: unknown) => {
    const rows = (payload as { data?: { errors?: unknown } } | null)?.data?.errors;
    const declared = Array.isArray(rows) ? declaredRowCodes(responseSchema(request, reply.statusCode)) : undefined;
    if (!declared) return payload;
    const undeclared = [...new Set((rows as { code: string }[]).map((r) => r.code).filter((c) => !declared.includes(c)))];
    if (undeclared.length === 0) return payload;
    throw new AppError('SYS_001', { undeclared }, record(
      `${routeName(request)} refused rows with ${undeclared.join(', ')}, which its RowErrorSchema does not declare`));
  });
}
