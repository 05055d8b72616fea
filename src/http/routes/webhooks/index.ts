import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../../app.js';

/** Routes of this area; each handler parses, calls its domain service and renders the envelope. */
export async function webhooksRoutes(_app: FastifyInstance, _deps: AppDeps) {}
