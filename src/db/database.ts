import postgres from 'postgres';
import type { Config } from '../config.js';
import { startEmbeddedPostgres } from './embedded.js';

export type Sql = postgres.Sql<{}>;
/** A transaction or a connection: anything that runs tagged-template queries. */
export type Queryable = postgres.Sql<{}> | postgres.TransactionSql<{}>;
export type Transaction = postgres.TransactionSql<{}>;

export interface Database {
  sql: Sql;
  connectionString: string;
  close(): Promise<void>;
}

export function connect(connectionString: string, max = 10): Sql {
  return postgres(connectionString, {
    max,
    onnotice: () => {},
    // bigint counts come back as JS numbers; ids are uuids and never overflow.
    types: { bigint: postgres.BigInt },
    transform: { undefined: null },
    connection: { application_name: 'omni' },
  });
}

/** Opens the configured database: DATABASE_URL, or the embedded server in the data folder. */
export async function openDatabase(config: Config, log?: (line: string) => void): Promise<Database> {
  let connectionString = config.DATABASE_URL;
  let stopEmbedded = async () => {};
  if (!connectionString) {
    const embedded = await startEmbeddedPostgres({ dataDir: config.dataDir, port: config.OMNI_PG_PORT, log });
    connectionString = embedded.connectionString;
    stopEmbedded = embedded.stop;
  }
  const sql = connect(connectionString, config.DB_POOL_MAX);
  return {
    sql,
    connectionString,
    async close() {
      await sql.end({ timeout: 5 });
      await stopEmbedded();
    },
  };
}
