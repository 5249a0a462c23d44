import { defineConfig } from 'drizzle-kit';

// PostgreSQL migrations; drizzle.config.ts is the SQLite twin.
export default defineConfig({
  dialect: 'postgresql',
  schema: ['./src/db/schema-pg.ts', './src/db/budget-tables.ts'],
  out: './drizzle/pg',
});
