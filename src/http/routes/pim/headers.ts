import { Type } from '@sinclair/typebox';

/** Every PIM request's headers (seed 004), documented in OpenAPI; checked by the PIM auth hook. */
export const pimHeaders = Type.Object({
  authorization: Type.String({ description: 'Bearer <token>' }),
  'x-tenant-id': Type.String({ format: 'uuid' }), 'x-org-id': Type.String({ format: 'uuid' }),
});
