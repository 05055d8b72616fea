import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../app.js';
import { healthRoutes } from './health/index.js';
import { partnerStoreRoutes } from './partner-stores/index.js';
import { productsRoutes } from './products/index.js';
import { bulkRoutes } from './bulk/index.js';
import { webhooksRoutes } from './webhooks/index.js';
import { pimRoutes } from './pim/index.js';
import { exportFileRoutes } from './pim/export-files.js';
import { onboardingRoutes } from './onboarding/index.js';

/** Every route module, each a thin layer over its domain service. */
export async function routes(app: FastifyInstance, deps: AppDeps) {
  await app.register(healthRoutes, deps);
  await app.register(partnerStoreRoutes, deps);
  await app.register(productsRoutes, deps);
  await app.register(bulkRoutes, deps);
  await app.register(webhooksRoutes, deps);
  await app.register(pimRoutes, deps);
  // Beside the PIM scope, not in it: a signed link is its own credential, without the Bearer hook.
  await app.register(exportFileRoutes, deps);
  await app.register(onboardingRoutes, deps);
}
