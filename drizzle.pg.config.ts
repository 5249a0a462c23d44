import { defineConfig } from 'drizzle-kit';

// PostgreSQL migrations; drizzle.config.ts is the SQLite twin.
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/db/pg-tables.ts',
  out: './drizzle/pg',
});
