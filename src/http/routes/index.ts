import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../app.js';
import { healthRoutes } from './health/index.js';
import { partnerStoreRoutes } from './partner-stores/index.js';

/** Every route module, each a thin layer over its domain service. */
export async function routes(app: FastifyInstance, deps: AppDeps) {
  await app.register(healthRoutes, deps);
  await app.register(partnerStoreRoutes, deps);
}
