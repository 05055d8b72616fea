// Generated from the OpenAPI document by `npm run sdk:operations` (src/http/sdk-operations-source.ts);
// do not edit by hand: test/integration/sdk-operations.test.ts fails when it differs from the routes.

/** Every Partner API operation by its OpenAPI operationId: what `PartnerClient.call` takes and resolves to. */
export interface PartnerOperations {
  getPartnerStores: {
    input: Record<string, never>;
    output: {
      success: true;
      message: string;
      requestId: string;
      meta: {
        timestamp: string;
        durationMs: number;
        /** true when work was queued for asynchronous processing */
        dispatch?: boolean;
        pagination?: {
          page: number;
          limit: number;
          total: number;
          totalPages: number;
        };
      };
      data: {
        storeClientId: string;
        name: string;
        status: string;
        warehouseCount: number;
        createdAt: string;
      }[];
    };
  };
  getPartnerStoresWarehouses: {
    input: Record<string, never>;
    output: {
      success: true;
      message: string;
      requestId: string;
      meta: {
        timestamp: string;
        durationMs: number;
        /** true when work was queued for asynchronous processing */
        dispatch?: boolean;
        pagination?: {
          page: number;
          limit: number;
          total: number;
          totalPages: number;
        };
      };
      data: {
        id: string;
        clientId: string;
        name: string;
        createdAt: string;
      }[];
    };
  };
  patchPartnerStoresProductsByProductId: {
    input: {
      path: {
        productId: string;
      };
      headers?: {
        "if-match"?: string;
      };
      body: {
        /** The partner's own id for the product; unique per store */
        externalId?: string;
        name?: string;
        sku?: string;
        price?: number;
        description?: string;
        specialPrice?: number | null;
        stock?: number;
        /** grams */
        weight?: number;
        /** centimetres */
        dimensions?: {
          length: number;
          width: number;
          height: number;
        };
        minOrder?: number;
        categoryId?: string;
        subCategoryId?: string;
        typeId?: string;
        brandId?: string;
        /** GTIN-8/12/13/14 */
        barcode?: string;
        hashtags?: string[];
        condition?: "NEW" | "USED";
        photos?: string[];
        officialBanners?: string[];
        thumbnails?: string[];
        isPreorder?: boolean;
        preorderPeriod?: number;
        isArchived?: boolean;
        insuranceRequired?: boolean;
        codEnabled?: boolean;
        /** at least one item (else WHS_007) */
        warehouses?: {
          clientId: string;
          /** required (else WHS_006) */
          stock?: number;
        }[];
        variants?: {
          items: {
            id?: string;
            /** The partner's own id for the product; unique per store */
            externalId?: string;
            sku: string;
            options?: {
              [key: string]: string;
            };
            price?: number;
            specialPrice?: number | null;
            stock?: number;
            /** at least one item (else WHS_007) */
            warehouses?: {
              clientId: string;
              /** required (else WHS_006) */
              stock?: number;
            }[];
            /** GTIN-8/12/13/14 */
            barcode?: string;
            photos?: string[];
          }[];
        };
      };
    };
    output: {
      success: true;
      message: string;
      requestId: string;
      meta: {
        timestamp: string;
        durationMs: number;
        /** true when work was queued for asynchronous processing */
        dispatch?: boolean;
        pagination?: {
          page: number;
          limit: number;
          total: number;
          totalPages: number;
        };
      };
      data: {
        id: string;
        externalId: string | null;
        hasVariants: boolean;
        /** the fields whose value changed */
        updatedFields: string[];
      };
    };
  };
  getPartnerStoresProductsByProductId: {
    input: {
      path: {
        productId: string;
      };
      query?: {
        isVariantActive?: boolean;
      };
    };
    output: {
      success: true;
      message: string;
      requestId: string;
      meta: {
        timestamp: string;
        durationMs: number;
        /** true when work was queued for asynchronous processing */
        dispatch?: boolean;
        pagination?: {
          page: number;
          limit: number;
          total: number;
          totalPages: number;
        };
      };
      data: {
        id: string;
        externalId: string | null;
        sku: string | null;
        name: string;
        description: string | null;
        price: number | null;
        specialPrice: number | null;
        /** product-level stock (store without warehouses) or the sum of warehouse rows */
        stock: number;
        weight: number | null;
        dimensions: {
          length: number | null;
          width: number | null;
          height: number | null;
        } | null;
        minOrder: number;
        categoryId: string | null;
        subCategoryId: string | null;
        typeId: string | null;
        brandId: string | null;
        barcode: string | null;
        hashtags: string[];
        condition: string;
        photos: string[];
        officialBanners: string[];
        thumbnails: string[];
        isPreorder: boolean;
        preorderPeriod: number;
        isArchived: boolean;
        insuranceRequired: boolean;
        codEnabled: boolean;
        isVerified: boolean;
        hasVariants: boolean;
        /** also the ETag; send it as If-Match to PATCH safely */
        version: number;
        createdAt: string;
        updatedAt: string;
        /** a simple product's stock per warehouse */
        warehouses: {
          clientId: string;
          name: string;
          stock: number;
        }[];
        variants: {
          id: string;
          externalId: string | null;
          sku: string;
          options: {
            [key: string]: string;
          };
          price: number | null;
          specialPrice: number | null;
          /** sum of its warehouse rows */
          stock: number;
          barcode: string | null;
          photos: string[];
          isActive: boolean;
          warehouses: {
            clientId: string;
            name: string;
            stock: number;
          }[];
        }[];
      };
    };
  };
  getPartnerStoresProductsSkuBySku: {
    input: {
      path: {
        sku: string;
      };
      query?: {
        isVariantActive?: boolean;
      };
    };
    output: PartnerOperations['getPartnerStoresProductsByProductId']['output'];
  };
  getPartnerStoresProducts: {
    input: {
      query?: {
        q?: string;
        isArchived?: boolean;
        isAvailableStock?: boolean;
        isVerified?: boolean;
        isVariantActive?: boolean;
        externalId?: string;
        updatedSince?: string;
        sortBy?: "createdAt" | "updatedAt" | "name" | "price" | "stock";
        order?: "asc" | "desc";
        page?: number;
        limit?: number;
      };
    };
    output: {
      success: true;
      message: string;
      requestId: string;
      meta: {
        timestamp: string;
        durationMs: number;
        /** true when work was queued for asynchronous processing */
        dispatch?: boolean;
        pagination?: {
          page: number;
          limit: number;
          total: number;
          totalPages: number;
        };
      };
      data: {
        id: string;
        externalId: string | null;
        sku: string | null;
        name: string;
        description: string | null;
        price: number | null;
        specialPrice: number | null;
        /** product-level stock (store without warehouses) or the sum of warehouse rows */
        stock: number;
        weight: number | null;
        dimensions: {
          length: number | null;
          width: number | null;
          height: number | null;
        } | null;
        minOrder: number;
        categoryId: string | null;
        subCategoryId: string | null;
        typeId: string | null;
        brandId: string | null;
        barcode: string | null;
        hashtags: string[];
        condition: string;
        photos: string[];
        officialBanners: string[];
        thumbnails: string[];
        isPreorder: boolean;
        preorderPeriod: number;
        isArchived: boolean;
        insuranceRequired: boolean;
        codEnabled: boolean;
        isVerified: boolean;
        hasVariants: boolean;
        /** also the ETag; send it as If-Match to PATCH safely */
        version: number;
        createdAt: string;
        updatedAt: string;
        /** a simple product's stock per warehouse */
        warehouses: {
          clientId: string;
          name: string;
          stock: number;
        }[];
        variants: {
          id: string;
          externalId: string | null;
          sku: string;
          options: {
            [key: string]: string;
          };
          price: number | null;
          specialPrice: number | null;
          /** sum of its warehouse rows */
          stock: number;
          barcode: string | null;
          photos: string[];
          isActive: boolean;
          warehouses: {
            clientId: string;
            name: string;
            stock: number;
          }[];
        }[];
      }[];
    };
  };
  postPartnerStoresCatalogSync: {
    input: {
      headers?: {
        "idempotency-key"?: string;
      };
      body: {
        products: {
          /** The partner's own id for the product; unique per store */
          externalId: string;
          name: string;
          sku: string;
          price: number;
          description?: string;
          specialPrice?: number | null;
          stock?: number;
          /** grams */
          weight?: number;
          /** centimetres */
          dimensions?: {
            length: number;
            width: number;
            height: number;
          };
          minOrder?: number;
          categoryId?: string;
          subCategoryId?: string;
          typeId?: string;
          brandId?: string;
          /** GTIN-8/12/13/14 */
          barcode?: string;
          hashtags?: string[];
          condition?: "NEW" | "USED";
          photos?: string[];
          officialBanners?: string[];
          thumbnails?: string[];
          isPreorder?: boolean;
          preorderPeriod?: number;
          isArchived?: boolean;
          insuranceRequired?: boolean;
          codEnabled?: boolean;
          /** at least one item (else WHS_007) */
          warehouses?: {
            clientId: string;
            /** required (else WHS_006) */
            stock?: number;
          }[];
        }[];
      };
    };
    output: {
      success: true;
      message: string;
      requestId: string;
      meta: {
        timestamp: string;
        durationMs: number;
        /** true when work was queued for asynchronous processing */
        dispatch?: boolean;
        pagination?: {
          page: number;
          limit: number;
          total: number;
          totalPages: number;
        };
      };
      data: {
        /** pb_<uuid>; GET /api/v1/partner/stores/batches/{batchId} tracks it */
        batchId: string;
        summary: {
          total: number;
          /** rows refused at once */
          failed: number;
          /** rows accepted for processing */
          pending: number;
        };
        acceptedRows: {
          rowIndex: number;
          externalId: string;
          sku: string;
        }[];
        errors: {
          code: "PRD_002" | "PRD_003" | "PRD_004" | "PRD_007" | "PRD_008" | "VAL_001" | "WHS_001" | "WHS_002" | "WHS_003" | "WHS_004" | "WHS_006" | "WHS_007";
          message: string;
          rowIndex: number;
          id?: string;
          externalId?: string;
          sku?: string;
          details: {
            [key: string]: unknown;
          };
        }[];
      };
    };
  };
  postPartnerStoresProductsBulk: {
    input: {
      headers?: {
        "idempotency-key"?: string;
      };
      body: {
        products: {
          /** Id of the product this row updates; omit to create */
          id?: string;
          /** The partner's own id for the product; unique per store */
          externalId: string;
          name: string;
          sku: string;
          price: number;
          description?: string;
          specialPrice?: number | null;
          stock?: number;
          /** grams */
          weight?: number;
          /** centimetres */
          dimensions?: {
            length: number;
            width: number;
            height: number;
          };
          minOrder?: number;
          categoryId?: string;
          subCategoryId?: string;
          typeId?: string;
          brandId?: string;
          /** GTIN-8/12/13/14 */
          barcode?: string;
          hashtags?: string[];
          condition?: "NEW" | "USED";
          photos?: string[];
          officialBanners?: string[];
          thumbnails?: string[];
          isPreorder?: boolean;
          preorderPeriod?: number;
          isArchived?: boolean;
          insuranceRequired?: boolean;
          codEnabled?: boolean;
          /** at least one item (else WHS_007) */
          warehouses?: {
            clientId: string;
            /** required (else WHS_006) */
            stock?: number;
          }[];
        }[];
      };
    };
    output: {
      success: true;
      message: string;
      requestId: string;
      meta: {
        timestamp: string;
        durationMs: number;
        /** true when work was queued for asynchronous processing */
        dispatch?: boolean;
        pagination?: {
          page: number;
          limit: number;
          total: number;
          totalPages: number;
        };
      };
      data: {
        /** pb_<uuid>; GET /api/v1/partner/stores/batches/{batchId} tracks it */
        batchId: string;
        summary: {
          total: number;
          /** rows refused at once */
          failed: number;
          /** rows accepted for processing */
          pending: number;
        };
        acceptedRows: {
          rowIndex: number;
          externalId: string;
          sku: string;
        }[];
        errors: {
          code: "PRD_002" | "PRD_003" | "PRD_004" | "PRD_005" | "PRD_007" | "PRD_008" | "VAL_001" | "WHS_001" | "WHS_002" | "WHS_003" | "WHS_004" | "WHS_006" | "WHS_007";
          message: string;
          rowIndex: number;
          id?: string;
          externalId?: string;
          sku?: string;
          details: {
            [key: string]: unknown;
          };
        }[];
      };
    };
  };
  patchPartnerStoresInventory: {
    input: {
      headers?: {
        "idempotency-key"?: string;
      };
      body: {
        items: {
          sku?: string;
          id?: string;
          /** The partner's own id for the product; unique per store */
          externalId?: string;
          stock?: number;
          /** at least one item (else WHS_007, as in product-schema.ts) */
          warehouses?: (string | {
            clientId: string;
            stock?: number;
          })[];
        }[];
      };
    };
    output: {
      success: true;
      message: string;
      requestId: string;
      meta: {
        timestamp: string;
        durationMs: number;
        /** true when work was queued for asynchronous processing */
        dispatch?: boolean;
        pagination?: {
          page: number;
          limit: number;
          total: number;
          totalPages: number;
        };
      };
      data: {
        summary: {
          total: number;
          /** rows refused at once */
          failed: number;
          /** rows accepted for processing */
          pending: number;
        };
        acceptedRows: {
          rowIndex: number;
          target: "product" | "variant";
          id: string;
          externalId?: string;
          sku?: string;
        }[];
        errors: {
          code: "INV_001" | "INV_002" | "INV_003" | "INV_004" | "INV_005" | "VAL_001" | "WHS_001" | "WHS_002" | "WHS_003" | "WHS_004" | "WHS_005" | "WHS_006" | "WHS_007";
          message: string;
          rowIndex: number;
          id?: string;
          externalId?: string;
          sku?: string;
          details: {
            [key: string]: unknown;
          };
        }[];
        batchId: string;
      };
    };
  };
  getPartnerStoresBatches: {
    input: {
      query?: {
        status?: "PENDING" | "PROCESSING" | "COMPLETED" | "FAILED";
        kind?: "catalog.sync" | "catalog.variants.sync" | "products.bulk" | "products.variants.bulk" | "inventory" | "products.prices" | "products.deletions";
        page?: number;
        limit?: number;
      };
    };
    output: {
      success: true;
      message: string;
      requestId: string;
      meta: {
        timestamp: string;
        durationMs: number;
        /** true when work was queued for asynchronous processing */
        dispatch?: boolean;
        pagination?: {
          page: number;
          limit: number;
          total: number;
          totalPages: number;
        };
      };
      data: {
        batchId: string;
        requestId: string;
        kind: string;
        /** COMPLETED: every row has its outcome and one at least succeeded; FAILED: none succeeded, or processing gave up (the rows it had not applied then failed BAT_003, the others keep their outcome) */
        status: "PENDING" | "PROCESSING" | "COMPLETED" | "FAILED";
        summary: {
          total: number;
          succeeded: number;
          failed: number;
          pending: number;
        };
        createdAt: string;
        startedAt: string | null;
        completedAt: string | null;
      }[];
    };
  };
  getPartnerStoresBatchesByBatchId: {
    input: {
      path: {
        batchId: string;
      };
      query?: {
        page?: number;
        limit?: number;
      };
    };
    output: {
      success: true;
      message: string;
      requestId: string;
      meta: {
        timestamp: string;
        durationMs: number;
        /** true when work was queued for asynchronous processing */
        dispatch?: boolean;
        pagination?: {
          page: number;
          limit: number;
          total: number;
          totalPages: number;
        };
      };
      data: {
        batchId: string;
        requestId: string;
        kind: string;
        /** COMPLETED: every row has its outcome and one at least succeeded; FAILED: none succeeded, or processing gave up (the rows it had not applied then failed BAT_003, the others keep their outcome) */
        status: "PENDING" | "PROCESSING" | "COMPLETED" | "FAILED";
        summary: {
          total: number;
          succeeded: number;
          failed: number;
          pending: number;
        };
        createdAt: string;
        startedAt: string | null;
        completedAt: string | null;
        /** one page of rows, by rowIndex */
        rows: {
          rowIndex: number;
          status: "PENDING" | "SUCCEEDED" | "FAILED";
          /** A failed row's code (docs/errors.md): refused at acceptance, or when it was processed; null while pending and once succeeded */
          code: "BAT_003" | "INV_001" | "INV_002" | "INV_003" | "INV_004" | "INV_005" | "PRD_001" | "PRD_002" | "PRD_003" | "PRD_004" | "PRD_005" | "PRD_007" | "PRD_008" | "PRD_040" | "PRD_041" | "VAL_001" | "WHS_001" | "WHS_002" | "WHS_003" | "WHS_004" | "WHS_005" | "WHS_006" | "WHS_007" | null;
          message: string | null;
          details: unknown;
          /** for a succeeded row, what was written, by kind: catalog.sync, products.bulk: {id, externalId, sku, action}; catalog.variants.sync, products.variants.bulk: {id, externalId, variants: [{sku, id}]}; inventory: {target, id} and products.prices: {target, id} (target product or variant, id its id; the acceptedRows of the accepting response name its externalId and sku); products.deletions: {id} */
          result: unknown;
        }[];
      };
    };
  };
  getPartnerStoresBatchesRequestsByRequestId: {
    input: {
      path: {
        requestId: string;
      };
      query?: {
        page?: number;
        limit?: number;
      };
    };
    output: PartnerOperations['getPartnerStoresBatchesByBatchId']['output'];
  };
  getPartnerStoresRequestsByRequestId: {
    input: PartnerOperations['getPartnerStoresBatchesRequestsByRequestId']['input'];
    output: PartnerOperations['getPartnerStoresBatchesByBatchId']['output'];
  };
  getPartnerStoresCatalogById: {
    input: {
      path: {
        id: string;
      };
      query?: {
        page?: number;
        limit?: number;
      };
    };
    output: PartnerOperations['getPartnerStoresBatchesByBatchId']['output'];
  };
  patchPartnerStoresProductsPrices: {
    input: {
      headers?: {
        "idempotency-key"?: string;
      };
      body: {
        items: {
          sku?: string;
          id?: string;
          price?: number;
          specialPrice?: number | null;
        }[];
      };
    };
    output: {
      success: true;
      message: string;
      requestId: string;
      meta: {
        timestamp: string;
        durationMs: number;
        /** true when work was queued for asynchronous processing */
        dispatch?: boolean;
        pagination?: {
          page: number;
          limit: number;
          total: number;
          totalPages: number;
        };
      };
      data: {
        batchId: string;
        summary: {
          total: number;
          /** rows refused at once */
          failed: number;
          /** rows accepted for processing */
          pending: number;
        };
        acceptedRows: {
          rowIndex: number;
          target?: string;
          id: string;
          externalId?: string;
          sku?: string;
        }[];
        errors: {
          code: "INV_001" | "INV_004" | "PRD_001" | "PRD_008" | "PRD_040" | "PRD_041" | "VAL_001";
          message: string;
          rowIndex: number;
          id?: string;
          externalId?: string;
          sku?: string;
          details: {
            [key: string]: unknown;
          };
        }[];
      };
    };
  };
  postPartnerStoresCatalogWithVariantsSync: {
    input: {
      headers?: {
        "idempotency-key"?: string;
      };
      body: {
        products: {
          /** The partner's own id for the product; unique per store */
          externalId: string;
          name: string;
          description?: string;
          /** grams */
          weight?: number;
          /** centimetres */
          dimensions?: {
            length: number;
            width: number;
            height: number;
          };
          minOrder?: number;
          categoryId?: string;
          subCategoryId?: string;
          typeId?: string;
          brandId?: string;
          /** GTIN-8/12/13/14 */
          barcode?: string;
          hashtags?: string[];
          condition?: "NEW" | "USED";
          photos?: string[];
          officialBanners?: string[];
          thumbnails?: string[];
          isPreorder?: boolean;
          preorderPeriod?: number;
          isArchived?: boolean;
          insuranceRequired?: boolean;
          codEnabled?: boolean;
          variants: {
            items: {
              id?: string;
              /** The partner's own id for the product; unique per store */
              externalId?: string;
              sku: string;
              options?: {
                [key: string]: string;
              };
              price?: number;
              specialPrice?: number | null;
              stock?: number;
              /** at least one item (else WHS_007) */
              warehouses?: {
                clientId: string;
                /** required (else WHS_006) */
                stock?: number;
              }[];
              /** GTIN-8/12/13/14 */
              barcode?: string;
              photos?: string[];
            }[];
          };
        }[];
      };
    };
    output: {
      success: true;
      message: string;
      requestId: string;
      meta: {
        timestamp: string;
        durationMs: number;
        /** true when work was queued for asynchronous processing */
        dispatch?: boolean;
        pagination?: {
          page: number;
          limit: number;
          total: number;
          totalPages: number;
        };
      };
      data: {
        batchId: string;
        summary: {
          total: number;
          /** rows refused at once */
          failed: number;
          /** rows accepted for processing */
          pending: number;
        };
        acceptedRows: {
          rowIndex: number;
          externalId: string;
          skus: string[];
        }[];
        errors: {
          code: "PRD_002" | "PRD_003" | "PRD_004" | "PRD_007" | "PRD_008" | "VAL_001" | "WHS_001" | "WHS_003" | "WHS_004" | "WHS_005" | "WHS_006" | "WHS_007";
          message: string;
          rowIndex: number;
          id?: string;
          externalId?: string;
          sku?: string;
          details: {
            [key: string]: unknown;
          };
        }[];
      };
    };
  };
  postPartnerStoresProductsWithVariantsBulk: {
    input: {
      headers?: {
        "idempotency-key"?: string;
      };
      body: {
        products: {
          /** Id of the product with variants this row updates; omit to create */
          id?: string;
          /** The partner's own id for the product; unique per store */
          externalId: string;
          name: string;
          description?: string;
          /** grams */
          weight?: number;
          /** centimetres */
          dimensions?: {
            length: number;
            width: number;
            height: number;
          };
          minOrder?: number;
          categoryId?: string;
          subCategoryId?: string;
          typeId?: string;
          brandId?: string;
          /** GTIN-8/12/13/14 */
          barcode?: string;
          hashtags?: string[];
          condition?: "NEW" | "USED";
          photos?: string[];
          officialBanners?: string[];
          thumbnails?: string[];
          isPreorder?: boolean;
          preorderPeriod?: number;
          isArchived?: boolean;
          insuranceRequired?: boolean;
          codEnabled?: boolean;
          variants: {
            items: {
              id?: string;
              /** The partner's own id for the product; unique per store */
              externalId?: string;
              sku: string;
              options?: {
                [key: string]: string;
              };
              price?: number;
              specialPrice?: number | null;
              stock?: number;
              /** at least one item (else WHS_007) */
              warehouses?: {
                clientId: string;
                /** required (else WHS_006) */
                stock?: number;
              }[];
              /** GTIN-8/12/13/14 */
              barcode?: string;
              photos?: string[];
            }[];
          };
        }[];
      };
    };
    output: {
      success: true;
      message: string;
      requestId: string;
      meta: {
        timestamp: string;
        durationMs: number;
        /** true when work was queued for asynchronous processing */
        dispatch?: boolean;
        pagination?: {
          page: number;
          limit: number;
          total: number;
          totalPages: number;
        };
      };
      data: {
        batchId: string;
        summary: {
          total: number;
          /** rows refused at once */
          failed: number;
          /** rows accepted for processing */
          pending: number;
        };
        acceptedRows: {
          rowIndex: number;
          externalId: string;
          skus: string[];
        }[];
        errors: {
          code: "PRD_002" | "PRD_003" | "PRD_004" | "PRD_005" | "PRD_007" | "PRD_008" | "VAL_001" | "WHS_001" | "WHS_003" | "WHS_004" | "WHS_005" | "WHS_006" | "WHS_007";
          message: string;
          rowIndex: number;
          id?: string;
          externalId?: string;
          sku?: string;
          details: {
            [key: string]: unknown;
          };
        }[];
      };
    };
  };
  postPartnerStoresProductsDeletions: {
    input: {
      headers?: {
        "idempotency-key"?: string;
      };
      body: {
        ids: string[];
      };
    };
    output: {
      success: true;
      message: string;
      requestId: string;
      meta: {
        timestamp: string;
        durationMs: number;
        /** true when work was queued for asynchronous processing */
        dispatch?: boolean;
        pagination?: {
          page: number;
          limit: number;
          total: number;
          totalPages: number;
        };
      };
      data: {
        batchId: string;
        summary: {
          total: number;
          /** rows refused at once */
          failed: number;
          /** rows accepted for processing */
          pending: number;
        };
        acceptedRows: {
          rowIndex: number;
          target?: string;
          id: string;
          externalId?: string;
          sku?: string;
        }[];
        errors: {
          code: "PRD_001" | "PRD_004" | "VAL_001";
          message: string;
          rowIndex: number;
          id?: string;
          externalId?: string;
          sku?: string;
          details: {
            [key: string]: unknown;
          };
        }[];
      };
    };
  };
  postPartnerWebhooksEndpoints: {
    input: {
      body: {
        url: string;
        /** omit (or []) for every event type */
        eventTypes?: ("catalog.sync.completed" | "products.bulk.completed" | "stock.update.requested" | "stock.update.completed" | "product.created" | "product.updated" | "product.deleted" | "prices.update.completed" | "products.deletion.completed" | "export.completed")[];
      };
    };
    output: {
      success: true;
      message: string;
      requestId: string;
      meta: {
        timestamp: string;
        durationMs: number;
        /** true when work was queued for asynchronous processing */
        dispatch?: boolean;
        pagination?: {
          page: number;
          limit: number;
          total: number;
          totalPages: number;
        };
      };
      data: {
        id: string;
        url: string;
        /** empty: every event type */
        eventTypes: string[];
        enabled: boolean;
        createdAt: string;
        /** whsec_…; shown once */
        secret: string;
      };
    };
  };
  getPartnerWebhooksEndpoints: {
    input: Record<string, never>;
    output: {
      success: true;
      message: string;
      requestId: string;
      meta: {
        timestamp: string;
        durationMs: number;
        /** true when work was queued for asynchronous processing */
        dispatch?: boolean;
        pagination?: {
          page: number;
          limit: number;
          total: number;
          totalPages: number;
        };
      };
      data: {
        id: string;
        url: string;
        /** empty: every event type */
        eventTypes: string[];
        enabled: boolean;
        createdAt: string;
      }[];
    };
  };
  deletePartnerWebhooksEndpointsByEndpointId: {
    input: {
      path: {
        endpointId: string;
      };
    };
    output: {
      success: true;
      message: string;
      requestId: string;
      meta: {
        timestamp: string;
        durationMs: number;
        /** true when work was queued for asynchronous processing */
        dispatch?: boolean;
        pagination?: {
          page: number;
          limit: number;
          total: number;
          totalPages: number;
        };
      };
      data: {
        id: string;
        url: string;
        /** empty: every event type */
        eventTypes: string[];
        enabled: boolean;
        createdAt: string;
      };
    };
  };
  patchPartnerWebhooksEndpointsByEndpointId: {
    input: {
      path: {
        endpointId: string;
      };
      body: {
        url?: string;
        /** omit (or []) for every event type */
        eventTypes?: ("catalog.sync.completed" | "products.bulk.completed" | "stock.update.requested" | "stock.update.completed" | "product.created" | "product.updated" | "product.deleted" | "prices.update.completed" | "products.deletion.completed" | "export.completed")[];
      };
    };
    output: PartnerOperations['deletePartnerWebhooksEndpointsByEndpointId']['output'];
  };
  postPartnerWebhooksEndpointsByEndpointIdRotateSecret: {
    input: {
      path: {
        endpointId: string;
      };
      query?: {
        keepPreviousHours?: number;
      };
    };
    output: {
      success: true;
      message: string;
      requestId: string;
      meta: {
        timestamp: string;
        durationMs: number;
        /** true when work was queued for asynchronous processing */
        dispatch?: boolean;
        pagination?: {
          page: number;
          limit: number;
          total: number;
          totalPages: number;
        };
      };
      data: {
        id: string;
        url: string;
        /** empty: every event type */
        eventTypes: string[];
        enabled: boolean;
        createdAt: string;
        /** the new whsec_…; shown once */
        secret: string;
        /** until when the previous secret also signs; null: it no longer does */
        previousSecretExpiresAt: string | null;
      };
    };
  };
  postPartnerWebhooksEndpointsByEndpointIdTest: {
    input: PartnerOperations['deletePartnerWebhooksEndpointsByEndpointId']['input'];
    output: {
      success: true;
      message: string;
      requestId: string;
      meta: {
        timestamp: string;
        durationMs: number;
        /** true when work was queued for asynchronous processing */
        dispatch?: boolean;
        pagination?: {
          page: number;
          limit: number;
          total: number;
          totalPages: number;
        };
      };
      data: {
        deliveryId: string;
        eventId: string;
        eventType: "webhook.test";
      };
    };
  };
  getPartnerWebhooksDeliveries: {
    input: {
      query?: {
        status?: "PENDING" | "RETRYING" | "SUCCEEDED" | "EXHAUSTED";
        eventType?: "catalog.sync.completed" | "products.bulk.completed" | "stock.update.requested" | "stock.update.completed" | "product.created" | "product.updated" | "product.deleted" | "prices.update.completed" | "products.deletion.completed" | "export.completed" | "webhook.test";
        endpointId?: string;
        page?: number;
        limit?: number;
      };
    };
    output: {
      success: true;
      message: string;
      requestId: string;
      meta: {
        timestamp: string;
        durationMs: number;
        /** true when work was queued for asynchronous processing */
        dispatch?: boolean;
        pagination?: {
          page: number;
          limit: number;
          total: number;
          totalPages: number;
        };
      };
      data: {
        id: string;
        endpointId: string;
        /** also the webhook-id header */
        eventId: string;
        eventType: string;
        status: "PENDING" | "RETRYING" | "SUCCEEDED" | "EXHAUSTED";
        attempts: number;
        nextAttemptAt: string | null;
        lastStatusCode: number | null;
        lastError: string | null;
        createdAt: string;
        deliveredAt: string | null;
        attemptLog: {
          attempt: number;
          statusCode: number | null;
          latencyMs: number;
          error: string | null;
          attemptedAt: string;
        }[];
      }[];
    };
  };
  postPartnerWebhooksDeliveriesByDeliveryIdRedeliver: {
    input: {
      path: {
        deliveryId: string;
      };
    };
    output: {
      success: true;
      message: string;
      requestId: string;
      meta: {
        timestamp: string;
        durationMs: number;
        /** true when work was queued for asynchronous processing */
        dispatch?: boolean;
        pagination?: {
          page: number;
          limit: number;
          total: number;
          totalPages: number;
        };
      };
      data: {
        deliveryId: string;
      };
    };
  };
  postPartnerOnboardSessions: {
    input: {
      body: {
        redirectUri: string;
      };
    };
    output: {
      success: true;
      message: string;
      requestId: string;
      meta: {
        timestamp: string;
        durationMs: number;
        /** true when work was queued for asynchronous processing */
        dispatch?: boolean;
        pagination?: {
          page: number;
          limit: number;
          total: number;
          totalPages: number;
        };
      };
      data: {
        sid: string;
        expiresAt: string;
        onboardUrl: string;
      };
    };
  };
  getPartnerOnboardStoreAccess: {
    input: {
      query: {
        sid: string;
      };
    };
    output: {
      success: true;
      message: string;
      requestId: string;
      meta: {
        timestamp: string;
        durationMs: number;
        /** true when work was queued for asynchronous processing */
        dispatch?: boolean;
        pagination?: {
          page: number;
          limit: number;
          total: number;
          totalPages: number;
        };
      };
      data: {
        storeAccess: string;
        expiresAt: string;
      };
    };
  };
  postPartnerStoresByStoreClientIdUnbind: {
    input: {
      path: {
        storeClientId: string;
      };
    };
    output: {
      success: true;
      message: string;
      requestId: string;
      meta: {
        timestamp: string;
        durationMs: number;
        /** true when work was queued for asynchronous processing */
        dispatch?: boolean;
        pagination?: {
          page: number;
          limit: number;
          total: number;
          totalPages: number;
        };
      };
      data: {
        storeClientId: string;
        revokedTokens: number;
        revokedAuthorizations: number;
      };
    };
  };
  getPartnerReferenceCategories: {
    input: Record<string, never>;
    output: {
      success: true;
      message: string;
      requestId: string;
      meta: {
        timestamp: string;
        durationMs: number;
        /** true when work was queued for asynchronous processing */
        dispatch?: boolean;
        pagination?: {
          page: number;
          limit: number;
          total: number;
          totalPages: number;
        };
      };
      data: {
        id: string;
        name: string;
      }[];
    };
  };
  getPartnerReferenceSubCategories: {
    input: {
      query: {
        categoryId: string;
      };
    };
    output: PartnerOperations['getPartnerReferenceCategories']['output'];
  };
  getPartnerReferenceTypes: {
    input: {
      query: {
        subCategoryId: string;
      };
    };
    output: PartnerOperations['getPartnerReferenceCategories']['output'];
  };
  getPartnerReferenceBrands: {
    input: Record<string, never>;
    output: PartnerOperations['getPartnerReferenceCategories']['output'];
  };
}

/** Where each operation lives and which credentials sign it (store: partner and store headers; partner: partner headers only; none: unsigned). */
export const partnerOperations = {
  getPartnerStores: { method: 'GET', path: '/api/v1/partner/stores', scope: 'partner' },
  getPartnerStoresWarehouses: { method: 'GET', path: '/api/v1/partner/stores/warehouses', scope: 'store' },
  patchPartnerStoresProductsByProductId: { method: 'PATCH', path: '/api/v1/partner/stores/products/{productId}', scope: 'store' },
  getPartnerStoresProductsByProductId: { method: 'GET', path: '/api/v1/partner/stores/products/{productId}', scope: 'store' },
  getPartnerStoresProductsSkuBySku: { method: 'GET', path: '/api/v1/partner/stores/products/sku/{sku}', scope: 'store' },
  getPartnerStoresProducts: { method: 'GET', path: '/api/v1/partner/stores/products', scope: 'store' },
  postPartnerStoresCatalogSync: { method: 'POST', path: '/api/v1/partner/stores/catalog/sync', scope: 'store' },
  postPartnerStoresProductsBulk: { method: 'POST', path: '/api/v1/partner/stores/products/bulk', scope: 'store' },
  patchPartnerStoresInventory: { method: 'PATCH', path: '/api/v1/partner/stores/inventory', scope: 'store' },
  getPartnerStoresBatches: { method: 'GET', path: '/api/v1/partner/stores/batches', scope: 'store' },
  getPartnerStoresBatchesByBatchId: { method: 'GET', path: '/api/v1/partner/stores/batches/{batchId}', scope: 'store' },
  getPartnerStoresBatchesRequestsByRequestId: { method: 'GET', path: '/api/v1/partner/stores/batches/requests/{requestId}', scope: 'store' },
  getPartnerStoresRequestsByRequestId: { method: 'GET', path: '/api/v1/partner/stores/requests/{requestId}', scope: 'store' },
  getPartnerStoresCatalogById: { method: 'GET', path: '/api/v1/partner/stores/catalog/{id}', scope: 'store' },
  patchPartnerStoresProductsPrices: { method: 'PATCH', path: '/api/v1/partner/stores/products/prices', scope: 'store' },
  postPartnerStoresCatalogWithVariantsSync: { method: 'POST', path: '/api/v1/partner/stores/catalog/with-variants/sync', scope: 'store' },
  postPartnerStoresProductsWithVariantsBulk: { method: 'POST', path: '/api/v1/partner/stores/products/with-variants/bulk', scope: 'store' },
  postPartnerStoresProductsDeletions: { method: 'POST', path: '/api/v1/partner/stores/products/deletions', scope: 'store' },
  postPartnerWebhooksEndpoints: { method: 'POST', path: '/api/v1/partner/webhooks/endpoints', scope: 'partner' },
  getPartnerWebhooksEndpoints: { method: 'GET', path: '/api/v1/partner/webhooks/endpoints', scope: 'partner' },
  deletePartnerWebhooksEndpointsByEndpointId: { method: 'DELETE', path: '/api/v1/partner/webhooks/endpoints/{endpointId}', scope: 'partner' },
  patchPartnerWebhooksEndpointsByEndpointId: { method: 'PATCH', path: '/api/v1/partner/webhooks/endpoints/{endpointId}', scope: 'partner' },
  postPartnerWebhooksEndpointsByEndpointIdRotateSecret: { method: 'POST', path: '/api/v1/partner/webhooks/endpoints/{endpointId}/rotate-secret', scope: 'partner' },
  postPartnerWebhooksEndpointsByEndpointIdTest: { method: 'POST', path: '/api/v1/partner/webhooks/endpoints/{endpointId}/test', scope: 'partner' },
  getPartnerWebhooksDeliveries: { method: 'GET', path: '/api/v1/partner/webhooks/deliveries', scope: 'partner' },
  postPartnerWebhooksDeliveriesByDeliveryIdRedeliver: { method: 'POST', path: '/api/v1/partner/webhooks/deliveries/{deliveryId}/redeliver', scope: 'partner' },
  postPartnerOnboardSessions: { method: 'POST', path: '/api/v1/partner/onboard/sessions', scope: 'partner' },
  getPartnerOnboardStoreAccess: { method: 'GET', path: '/api/v1/partner/onboard/store-access', scope: 'partner' },
  postPartnerStoresByStoreClientIdUnbind: { method: 'POST', path: '/api/v1/partner/stores/{storeClientId}/unbind', scope: 'partner' },
  getPartnerReferenceCategories: { method: 'GET', path: '/api/v1/partner/reference/categories', scope: 'none' },
  getPartnerReferenceSubCategories: { method: 'GET', path: '/api/v1/partner/reference/sub-categories', scope: 'none' },
  getPartnerReferenceTypes: { method: 'GET', path: '/api/v1/partner/reference/types', scope: 'none' },
  getPartnerReferenceBrands: { method: 'GET', path: '/api/v1/partner/reference/brands', scope: 'none' },
} as const;
