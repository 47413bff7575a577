/**
 * PostgreSQL for tests: always the real server (127.0.0.1:5432, trust auth; POSTGRES_URL
 * overrides). Locally a test that needs it is skipped (with a reason) when it does not answer;
 * with CI=true it runs and fails instead. Each test file makes a database of its own and drops
 * it afterwards, so no table is ever left in `test` or `postgres`.
 */
import { after, before } from 'node:test';
import pg from 'pg';
import { uniqueName } from './broker.ts';

/** The server's maintenance database, where test databases are made and dropped. */
export const POSTGRES_URL = process.env.POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

let probe: Promise<boolean> | undefined;

async function withClient<T>(url: string, use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  client.on('error', () => {});
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end().catch(() => {});
  }
}

export function postgresAvailable(): Promise<boolean> {
  return (probe ??= withClient(POSTGRES_URL, async () => true).catch(() => false));
}

/** Options for node:test's describe/it: `{ skip }` locally without PostgreSQL, `{}` otherwise and always in CI. */
export async function needsPostgres(): Promise<{ skip?: string }> {
  if (process.env.CI === 'true') return {};
  return (await postgresAvailable()) ? {} : { skip: `PostgreSQL not reachable at ${POSTGRES_URL}` };
}

/**
 * CREATE DATABASE copies template1, and fails with 55006 (object in use) while another session
 * is creating a database from it too: other test files and runs on the same server may be.
 */
async function createDatabase(name: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await withClient(POSTGRES_URL, (client) => client.query(`CREATE DATABASE ${name}`));
      return;
    } catch (err) {
      if ((err as { code?: string }).code !== '55006' || attempt === 20) throw err;
      await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
    }
  }
}

export interface TemporaryDatabase {
  /** Its connection URL, for DATABASE_URL. */
  readonly url: string;
  /** Runs one query on it; resolves with the rows. */
  query(text: string, values?: unknown[]): Promise<Record<string, any>[]>;
}

/** A database made in the calling block's `before` and dropped (connections and all) in its `after`. */
export function temporaryDatabase(prefix: string): TemporaryDatabase {
  const name = uniqueName(`${prefix}_`).toLowerCase().replace(/[^a-z0-9_]/g, '_');
  const url = new URL(POSTGRES_URL);
  url.pathname = `/${name}`;
  before(() => createDatabase(name));
  after(() => withClient(POSTGRES_URL, (client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)));
  return {
    url: url.href,
    query: (text, values) => withClient(url.href, async (client) => (await client.query(text, values)).rows),
  };
}
