import { DEFAULT_COST_BUDGET, OPERATION_COST_LIMIT } from './domain/cost.js';
import { LOG_LEVELS, type LogLevel } from './ops/logger.js';

/** Configuration from the environment, with the documented defaults. */
export interface Config {
  port: number;
  host: string;
  databaseUrl: string;
  /** `DATABASE_POOL_SIZE`: PostgreSQL connections per process. */
  databasePoolSize: number;
  /** The gateway's public base URL, for links it hands out; defaults to the listening address. */
  publicUrl: string;
  /** `GRAPHQL_INTROSPECTION=false` turns off introspection and GraphiQL. */
  introspection: boolean;
  /** Field suggestions in GraphQL errors, only with `NODE_ENV=development`. */
  fieldSuggestions: boolean;
  /** `CORS_ORIGINS`: comma-separated browser origins allowed to call the API. */
  corsOrigins: string[];
  /** `RATE_LIMIT_PER_MINUTE` per API key; 0 turns the limit off. */
  rateLimitPerMinute: number;
  /** `LOG_LEVEL`: one JSON line per request at info; `silent` turns logging off. */
  logLevel: LogLevel;
  /** `COST_BUDGET` points per key (0 turns budgets off), refilled at `COST_BUDGET_RESTORE_PER_SECOND`. */
  costBudget: { capacity: number; restorePerSecond: number };
  /** `GRAPHQL_COST_LIMIT`: the most one operation may cost; the measured default suits the benchmark machine. */
  costLimit: number;
  /** `GRAPHQL_TRUSTED_DOCUMENTS`: a manifest path; only its documents run. */
  trustedDocuments: string | null;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const port = Number(env['PORT'] ?? 4000);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`PORT must be an integer from 0 to 65535, got "${env['PORT']}"`);
  const host = env['HOST'] || '127.0.0.1';
  const publicUrl = (env['PUBLIC_URL'] || `http://${host.includes(':') ? `[${host}]` : host}:${port}`).replace(/\/+$/, '');
  const rateLimitPerMinute = Number(env['RATE_LIMIT_PER_MINUTE'] ?? 600);
  if (!Number.isInteger(rateLimitPerMinute) || rateLimitPerMinute < 0) {
    throw new Error(`RATE_LIMIT_PER_MINUTE must be a whole number (0 = off), got "${env['RATE_LIMIT_PER_MINUTE']}"`);
  }
  const databasePoolSize = Number(env['DATABASE_POOL_SIZE'] ?? 10);
  if (!Number.isInteger(databasePoolSize) || databasePoolSize < 1) {
    throw new Error(`DATABASE_POOL_SIZE must be a whole number of at least 1, got "${env['DATABASE_POOL_SIZE']}"`);
  }
  const introspection = env['GRAPHQL_INTROSPECTION'] ?? 'true';
  if (!['true', 'false'].includes(introspection)) throw new Error(`GRAPHQL_INTROSPECTION must be true or false, got "${introspection}"`);
  const logLevel = (env['LOG_LEVEL'] || 'info').toLowerCase();
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    throw new Error(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got "${env['LOG_LEVEL']}"`);
  }
  const costLimit = wholeNumber(env, 'GRAPHQL_COST_LIMIT', OPERATION_COST_LIMIT);
  if (costLimit < 1) throw new Error('GRAPHQL_COST_LIMIT must be at least 1');
  const costBudget = {
    capacity: wholeNumber(env, 'COST_BUDGET', DEFAULT_COST_BUDGET.capacity),
    restorePerSecond: wholeNumber(env, 'COST_BUDGET_RESTORE_PER_SECOND', DEFAULT_COST_BUDGET.restorePerSecond),
  };
  // A bucket smaller than one operation may cost would refuse that operation for ever.
  if (costBudget.capacity > 0 && costBudget.capacity < costLimit) {
    throw new Error(`COST_BUDGET must be 0 (off) or at least GRAPHQL_COST_LIMIT (${costLimit}), got "${env['COST_BUDGET']}"`);
  }
  if (costBudget.capacity > 0 && costBudget.restorePerSecond < 1) throw new Error('COST_BUDGET_RESTORE_PER_SECOND must be at least 1 while COST_BUDGET is on');
  return {
    costBudget,
    costLimit,
    trustedDocuments: env['GRAPHQL_TRUSTED_DOCUMENTS'] || null,
    port,
    host,
    databaseUrl: env['DATABASE_URL'] || './data/music.db',
    databasePoolSize,
    publicUrl,
    introspection: introspection === 'true',
    fieldSuggestions: env['NODE_ENV'] === 'development',
    corsOrigins: (env['CORS_ORIGINS'] ?? '')
      .split(',')
      .map((o) => o.trim())
      .filter(Boolean),
    rateLimitPerMinute,
    logLevel: logLevel as LogLevel,
  };
}

function wholeNumber(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const value = Number(env[name] ?? fallback);
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name} must be a whole number (0 = off), got "${env[name]}"`);
  return value;
}
