import { bigint, doublePrecision, pgTable, text as pgText } from 'drizzle-orm/pg-core';
import { integer, real, sqliteTable, text } from 'drizzle-orm/sqlite-core';

// The shared cost buckets (src/db/budget.ts), one row per key hash, in both dialects. Kept apart
// from the domain's tables: no domain query reads them, and a transaction running alone on
// PostgreSQL (which locks every domain table) need not stop the gateways charging budgets.

export const costBucketsSqlite = sqliteTable('cost_buckets', {
  keyHash: text('key_hash').primaryKey(),
  /** Points left at `updated_at`; refilled on every lease. */
  tokens: real('tokens').notNull(),
  /** What the last lease took, so the statement that takes it can report it. */
  granted: real('granted').notNull(),
  updatedAt: integer('updated_at').notNull(),
});

export const costBucketsPg = pgTable('cost_buckets', {
  keyHash: pgText('key_hash').primaryKey(),
  tokens: doublePrecision('tokens').notNull(),
  granted: doublePrecision('granted').notNull(),
  updatedAt: bigint('updated_at', { mode: 'number' }).notNull(),
});
