import { defineConfig } from 'drizzle-kit';

// SQLite migrations; drizzle.pg.config.ts is the PostgreSQL twin. `npm run db:generate` runs both.
export default defineConfig({
  dialect: 'sqlite',
  schema: './src/db/sqlite-tables.ts',
  out: './drizzle/sqlite',
});
