import type { ErrorDefinitions } from '../types.js';

/** PIM API (seed 004): statuses as published (401 before any business logic, 403 for scope). */
export const pimErrors = {
  PIM_001: { status: 401, message: 'Missing or invalid token', hint: 'Send Authorization: Bearer <token> with a valid, unrevoked token' },
  PIM_002: { status: 403, message: 'Organization not allowed', hint: "X-Org-ID must be your token's organization" },
  PIM_003: { status: 403, message: 'Tenant not allowed', hint: 'X-Tenant-ID must be a tenant of your organization (send X-Tenant-ID and X-Org-ID as uuids)' },
  PIM_004: { status: 404, message: 'Bulk job not found', hint: 'Use the id returned when the job was created' },
  PIM_005: { status: 400, message: 'Invalid bulk job payload', hint: 'payload must be a JSON array: product objects for imports (each with a title) and updates (each with its id), product ids for deletions' },
  PIM_006: { status: 404, message: 'Export not found', hint: 'Use the id returned when the export was requested' },
  PIM_007: { status: 409, message: 'Export not ready', hint: 'The export is still running: poll GET /api/v1/pim/exports/{id} until its status is COMPLETED (the store\'s partner also gets an export.completed webhook)' },
  PIM_009: { status: 409, message: 'Export failed', hint: 'Its error (GET /api/v1/pim/exports/{id}) says why; request a new export with POST /api/v1/pim/exports' },
  PIM_010: { status: 410, message: 'Export file no longer available', hint: 'The file is not where the export wrote it (removed, or the export storage changed since); request a new export with POST /api/v1/pim/exports' },
  // As S3 answers a presigned URL changed or past its expiry: 403, the reason in context.
  PIM_008: { status: 403, message: 'Download link invalid or expired', hint: 'Ask GET /api/v1/pim/exports/{id} for fresh links: a link opens only the file it was made for, for EXPORT_URL_TTL_SECONDS' },
  // As the Partner API answers a blocked store (AUTH_014): the operator's `omni admin store block` refuses every request for it.
  PIM_011: { status: 403, message: 'Tenant blocked', hint: "The tenant's store is blocked by the marketplace's operator: every request for it is refused until it is unblocked" },
  // The PIM's published facts: a valid token whose user lacks the role → 403 (0156).
  PIM_012: { status: 403, message: 'Role not allowed', hint: "A viewer reads the tenant's catalog (lists, audit log, exports); creating a bulk job needs an editor: an operator gives the role (`omni admin user set-role`)" },
} satisfies ErrorDefinitions;
