import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../../app.js';

/** Catalog exports (not built yet). */
export async function exportRoutes(_app: FastifyInstance, _deps: AppDeps) {}
