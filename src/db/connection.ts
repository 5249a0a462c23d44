import type { Database, Dialect, OpenOptions } from './database.js';

export type { Database, Dialect, OpenOptions, Reads, TransactionTiming, Writes } from './database.js';

/** `postgres://` and `postgresql://` URLs open PostgreSQL; anything else is a SQLite path. */
export function dialectOf(url: string): Dialect {
  return /^postgres(ql)?:\/\//i.test(url) ? 'postgres' : 'sqlite';
}

export async function openDatabase(url: string, options: OpenOptions = {}): Promise<Database> {
  if (dialectOf(url) === 'postgres') {
    const { openPostgres } = await import('./postgres.js');
    return openPostgres(url, options);
  }
  const { openSqlite } = await import('./sqlite.js');
  return openSqlite(url, options);
}
