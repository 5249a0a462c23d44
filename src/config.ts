import { DEFAULT_COST_BUDGET, OPERATION_COST_LIMIT } from './domain/limits.js';
import { LOG_LEVELS, type LogLevel } from './ops/logger.js';
import { tracingConfig, type TracingConfig } from './ops/tracing-config.js';

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
  /** `SHUTDOWN_DELAY_SECONDS`: after SIGTERM, how long readiness is 503 before the listener closes (5 in Kubernetes, else 0). */
  shutdownDelaySeconds: number;
  /** `SHUTDOWN_TIMEOUT_SECONDS`: how long requests in flight may take to finish once it has. */
  shutdownTimeoutSeconds: number;
  /** OpenTelemetry tracing from the standard `OTEL_*` variables; null when off (the default). */
  tracing: TracingConfig | null;
  /** `COST_BUDGET` points per key (0 turns budgets off), refilled at `COST_BUDGET_RESTORE_PER_SECOND`. */
  costBudget: { capacity: number; restorePerSecond: number };
  /** `GRAPHQL_COST_LIMIT`: the most one operation may cost; the measured default suits the benchmark machine. */
  costLimit: number;
  /** `GRAPHQL_TRUSTED_DOCUMENTS`: a manifest path; only its documents run. */
  trustedDocuments: string | null;
}

/** A setting that cannot be used; the message names it and says what it takes. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** An unset or empty variable is the default: `PORT= npm start` is `npm start`. */
const read = (env: NodeJS.ProcessEnv, name: string): string | undefined => {
  const value = env[name]?.trim();
  return value ? value : undefined;
};

function wholeNumber(
  env: NodeJS.ProcessEnv,
  name: string,
  fallback: number,
  min: number,
  max: number,
  takes: string,
): number {
  const raw = read(env, name);
  if (raw === undefined) return fallback;
  const value = /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!(value >= min && value <= max)) throw new ConfigError(`${name} must be ${takes}, got "${raw}"`);
  return value;
}

function seconds(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = read(env, name);
  if (raw === undefined) return fallback;
  const value = /^\d+(\.\d+)?$/.test(raw) ? Number(raw) : NaN;
  if (!(value <= 3600))
    throw new ConfigError(`${name} must be a number of seconds from 0 to 3600, e.g. 5 or 0.5, got "${raw}"`);
  return value;
}

function choice<T extends string>(env: NodeJS.ProcessEnv, name: string, fallback: T, options: readonly T[]): T {
  const raw = read(env, name);
  if (raw === undefined) return fallback;
  const value = raw.toLowerCase() as T;
  if (!options.includes(value)) throw new ConfigError(`${name} must be one of ${options.join(', ')}, got "${raw}"`);
  return value;
}

/** `https://music.example.com` or `https://example.com/music`: where clients reach the gateway. */
function publicUrlOf(raw: string): string {
  let url: URL | undefined;
  try {
    url = new URL(raw);
  } catch {
    url = undefined;
  }
  if (!url || !/^https?:$/.test(url.protocol) || url.search || url.hash || url.username || url.password) {
    throw new ConfigError(
      `PUBLIC_URL must be an http:// or https:// base URL without query or credentials, e.g. https://music.example.com, got "${raw}"`,
    );
  }
  return raw.replace(/\/+$/, '');
}

/** Browsers send `Origin: https://studio.example.com`; an entry with a path would never match one. */
function corsOriginsOf(raw: string | undefined): string[] {
  const entries = (raw ?? '')
    .split(',')
    .map((o) => o.trim().replace(/\/+$/, ''))
    .filter(Boolean);
  for (const entry of entries) {
    if (entry === '*') continue;
    let origin: string | undefined;
    try {
      origin = new URL(entry).origin;
    } catch {
      origin = undefined;
    }
    if (origin !== entry) {
      throw new ConfigError(
        `CORS_ORIGINS must list origins like https://studio.example.com (scheme, host and port only) or *, got "${entry}"`,
      );
    }
  }
  return entries;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const port = wholeNumber(env, 'PORT', 4000, 0, 65535, 'a whole number from 0 to 65535 (0 picks a free port)');
  const host = read(env, 'HOST') ?? '127.0.0.1';
  const publicUrl = publicUrlOf(read(env, 'PUBLIC_URL') ?? `http://${host.includes(':') ? `[${host}]` : host}:${port}`);
  const rateLimitPerMinute = wholeNumber(
    env,
    'RATE_LIMIT_PER_MINUTE',
    600,
    0,
    Number.MAX_SAFE_INTEGER,
    'a whole number of requests (0 turns the limit off)',
  );
  const databasePoolSize = wholeNumber(
    env,
    'DATABASE_POOL_SIZE',
    10,
    1,
    1000,
    'a whole number of connections from 1 to 1000',
  );
  const introspection = choice(env, 'GRAPHQL_INTROSPECTION', 'true', ['true', 'false'] as const);
  const logLevel = choice(env, 'LOG_LEVEL', 'info', LOG_LEVELS);
  const tracing = tracingConfig(env);
  if (tracing instanceof Error) throw new ConfigError(tracing.message);
  const costLimit = wholeNumber(
    env,
    'GRAPHQL_COST_LIMIT',
    OPERATION_COST_LIMIT,
    1,
    Number.MAX_SAFE_INTEGER,
    'a whole number of points of at least 1',
  );
  const costBudget = {
    capacity: wholeNumber(
      env,
      'COST_BUDGET',
      DEFAULT_COST_BUDGET.capacity,
      0,
      Number.MAX_SAFE_INTEGER,
      'a whole number of points (0 turns budgets off)',
    ),
    restorePerSecond: wholeNumber(
      env,
      'COST_BUDGET_RESTORE_PER_SECOND',
      DEFAULT_COST_BUDGET.restorePerSecond,
      0,
      Number.MAX_SAFE_INTEGER,
      'a whole number of points per second',
    ),
  };
  // A bucket smaller than one operation may cost would refuse that operation for ever.
  if (costBudget.capacity > 0 && costBudget.capacity < costLimit) {
    throw new ConfigError(
      `COST_BUDGET must be 0 (off) or at least GRAPHQL_COST_LIMIT (${costLimit}), got "${costBudget.capacity}"`,
    );
  }
  if (costBudget.capacity > 0 && costBudget.restorePerSecond < 1) {
    throw new ConfigError(
      `COST_BUDGET_RESTORE_PER_SECOND must be at least 1 while COST_BUDGET is on, got "${costBudget.restorePerSecond}"`,
    );
  }
  return {
    port,
    host,
    databaseUrl: read(env, 'DATABASE_URL') ?? './data/music.db',
    databasePoolSize,
    publicUrl,
    introspection: introspection === 'true',
    fieldSuggestions: env.NODE_ENV === 'development',
    corsOrigins: corsOriginsOf(env.CORS_ORIGINS),
    rateLimitPerMinute,
    logLevel,
    // Inside Kubernetes (which sets KUBERNETES_SERVICE_HOST in every pod) endpoints take a few
    // seconds to drop a terminating pod; elsewhere nothing waits on readiness, so stop at once.
    shutdownDelaySeconds: seconds(env, 'SHUTDOWN_DELAY_SECONDS', read(env, 'KUBERNETES_SERVICE_HOST') ? 5 : 0),
    shutdownTimeoutSeconds: seconds(env, 'SHUTDOWN_TIMEOUT_SECONDS', 10),
    tracing,
    costBudget,
    costLimit,
    trustedDocuments: read(env, 'GRAPHQL_TRUSTED_DOCUMENTS') ?? null,
  };
}
