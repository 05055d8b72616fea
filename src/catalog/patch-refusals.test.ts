import { describe, expect, it } from 'vitest';
import { AppError } from '../errors/app-error.js';
import { patchRefusal } from './patch-refusals.js';

const pgError = (fields: Record<string, string>) => Object.assign(new Error(fields.message ?? 'refused'), fields);

describe('patchRefusal', () => {
  it('answers an integer PostgreSQL could not hold with VAL_001 naming the stock field sent', () => {
    const overflow = pgError({ code: '22003', message: 'integer out of range' });
    const refused = patchRefusal(overflow, { variants: { items: [{ sku: 'V', stock: 2e9 }] } }) as AppError;
    expect([refused.code, refused.status, refused.context]).toEqual([
      'VAL_001', 400, { field: 'variants', reason: 'integer out of range' }]);
    expect((patchRefusal(overflow, { warehouses: [{ clientId: 'a', stock: 1 }] }) as AppError).context.field).toBe('warehouses');
    expect((patchRefusal(pgError({ code: '22P02' }), { name: 'x' }) as AppError).context).toEqual({ reason: 'refused' });
  });

  it("answers a key another row holds with PRD_002 or PRD_003, naming the variants when it is theirs", () => {
    const variantSku = pgError({ code: '23505', constraint_name: 'product_variants_sku_not_other_table_sku', table_name: 'product_variants' });
    expect(patchRefusal(variantSku, {})).toMatchObject({ code: 'PRD_003', status: 409, context: { field: 'variants.items' } });
    const productExternalId = pgError({ code: '23505', constraint_name: 'products_store_id_external_id_key', table_name: 'products' });
    expect(patchRefusal(productExternalId, {})).toMatchObject({ code: 'PRD_002', context: { field: 'externalId' } });
  });

  it('leaves the catalogue errors and the failures that are not the request data as they are', () => {
    const mine = new AppError('PRD_001');
    const lost = pgError({ code: '57P01' });
    expect(patchRefusal(mine, {})).toBe(mine);
    expect(patchRefusal(lost, {})).toBe(lost);
  });
});
