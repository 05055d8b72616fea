import type { FastifyInstance } from 'fastify';
import { AppError } from '../../errors/app-error.js';
import { unstorableCharacterErrors } from '../validation/unstorable-characters.js';

/**
 * Checks of the request's parts that route schemas cannot make, after authentication (an
 * unauthenticated caller learns nothing from them) and before validation:
 *
 * - Path parameters and query values that PostgreSQL cannot hold (`%00`, the NUL character)
 *   are VAL_001 naming each one, as in a body (json-body.ts): a batch id, a SKU, a sid or a
 *   search text holding one reached a query and failed there, a 500.
 * - A route that takes a JSON body, called without one (no body, no content type), is REQ_005
 *   as an empty body with its content type is: its validation said "body must be either
 *   object or array".
 */
export function registerRequestPartChecks(app: FastifyInstance) {
  app.addHook('preValidation', async (request) => {
    const params = unstorableCharacterErrors(request.params);
    const querystring = unstorableCharacterErrors(request.query);
    if (params || querystring) {
      throw new AppError('VAL_001', { validationErrors: { ...(params ? { params } : {}), ...(querystring ? { querystring } : {}) } });
    }
    if (request.body === undefined && request.rawBody === undefined && request.routeOptions.schema?.body) throw new AppError('REQ_005', {});
  });
}
