import { sql } from 'drizzle-orm';
import type { Database } from './database.js';
import type { PostgresDatabase } from './postgres.js';
import type { SqliteDatabase } from './sqlite.js';

/** A token bucket per key: `capacity` points, refilled at `restorePerSecond`. */
export interface BucketConfig {
  capacity: number;
  restorePerSecond: number;
}

/** What one lease took from a key's shared bucket, and what the bucket held after it. */
export interface Lease {
  granted: number;
  left: number;
}

/** Buckets every gateway process on one database draws from (src/http/cost-budget.ts leases from them). */
export interface BucketStore {
  /** Refills the key's bucket up to `now`, then takes up to `want` points from it, atomically. */
  lease(keyHash: string, want: number, now: number): Promise<Lease>;
}

/**
 * The buckets in the `cost_buckets` table, one row per key hash, taken from by a single upsert so
 * concurrent leases from any number of processes serialise on the row and never both spend the same
 * points. The row is refilled from the time it was last touched (never backwards: a process whose
 * clock is behind refills nothing), then the grant is taken; a key seen for the first time starts
 * full. On PostgreSQL it runs outside any transaction (the row lock is all it needs); on SQLite as a
 * write of its own.
 */
export function sharedBuckets(database: Database, config: BucketConfig): BucketStore {
  const capacity = config.capacity;
  const perMs = config.restorePerSecond / 1000;
  if (database.dialect === 'postgres') {
    const pg = database as PostgresDatabase;
    return {
      async lease(keyHash, want, now) {
        const refilled = sql`LEAST(${capacity}::float8, b.tokens + GREATEST(0, ${now}::bigint - b.updated_at) * ${perMs}::float8)`;
        const take = sql`LEAST(${want}::float8, GREATEST(0, ${refilled}))`;
        const first = Math.min(want, capacity);
        const result = (await pg.execute(sql`
          INSERT INTO cost_buckets AS b (key_hash, tokens, granted, updated_at)
          VALUES (${keyHash}, ${capacity - first}::float8, ${first}::float8, ${now}::bigint)
          ON CONFLICT (key_hash) DO UPDATE SET
            tokens = ${refilled} - ${take}, granted = ${take}, updated_at = GREATEST(b.updated_at, ${now}::bigint)
          RETURNING granted, tokens AS "left"`)) as unknown as { rows: Lease[] };
        return result.rows[0]!;
      },
    };
  }
  // On the write connection, queued as a transaction of its own: another request's transaction may
  // be open on it across an await, and a lease must neither join it nor roll back with it.
  const refilled = 'MIN(@capacity, tokens + MAX(0, @now - updated_at) * @perMs)';
  const take = `MIN(@want, MAX(0, ${refilled}))`;
  const statement = (database as SqliteDatabase).sqlite.prepare<Record<string, string | number>, Lease>(`
    INSERT INTO cost_buckets (key_hash, tokens, granted, updated_at) VALUES (@keyHash, @capacity - @first, @first, @now)
    ON CONFLICT (key_hash) DO UPDATE SET
      tokens = ${refilled} - ${take}, granted = ${take}, updated_at = MAX(updated_at, @now)
    RETURNING granted, tokens AS "left"`);
  return {
    async lease(keyHash, want, now) {
      const first = Math.min(want, capacity);
      return database.transaction(async () => statement.get({ keyHash, first, now, capacity, perMs, want })!);
    },
  };
}
