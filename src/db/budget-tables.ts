import type { Kinds } from './tables.js';

// The shared cost buckets (src/db/budget.ts), one row per key hash, built from each dialect's
// column kinds like the domain's tables (sqlite-tables.ts and pg-tables.ts call this). Kept apart
// from defineTables: no domain query reads them, and a transaction running alone on PostgreSQL
// (which locks every domain table) need not stop the gateways charging budgets.
export function defineBudgetTables(k: Kinds) {
  const costBuckets = k.table('cost_buckets', {
    keyHash: k.text('key_hash').primaryKey(),
    /** Points left at `updated_at`; refilled on every lease. */
    tokens: k.real('tokens').notNull(),
    /** What the last lease took, so the statement that takes it can report it. */
    granted: k.real('granted').notNull(),
    updatedAt: k.ms('updated_at').notNull(),
  });
  return { costBuckets };
}
