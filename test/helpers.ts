import { expect } from 'vitest';
import type BetterSqlite3 from 'better-sqlite3';
import { createApp, type App } from '../src/app.js';
import type { Database, OpenOptions } from '../src/db/connection.js';
import { newId } from '../src/db/ids.js';
import type { SqliteDatabase } from '../src/db/sqlite.js';
import { addMember, createApiKey, createOrganization, createUser } from '../src/domain/admin.js';
import type { Deps } from '../src/domain/deps.js';
import { createLogger, type Logger } from '../src/ops/logger.js';
import type { Tracing } from '../src/ops/tracing.js';
import { backend as testBackend, openTestDatabase, runSql } from './support/backend.js';
import { frontDoor, overNode } from './support/front-door.js';

export { backend, migrationsTable, tableNames } from './support/backend.js';

const cleanups: (() => Promise<void>)[] = [];
const releases = new WeakMap<App, () => Promise<void>>();
/** Releases every database the test opened; test/support/setup.ts runs it after each test. */
export async function releaseDatabases(): Promise<void> {
  while (cleanups.length) await cleanups.pop()?.();
}

/** Releases a world's database before the test ends, for tests that make many worlds. */
export async function dispose(world: World): Promise<void> {
  const release = releases.get(world.app);
  if (!release) return;
  releases.delete(world.app);
  cleanups.splice(cleanups.indexOf(release), 1);
  await release();
}

/** A database of the backend under test, released after the test; for tests that build their own app. */
export async function testDatabase(options: OpenOptions = {}): Promise<Database> {
  const { database, release } = await openTestDatabase(options);
  cleanups.push(release);
  return database;
}

/**
 * The app as the suite's front door serves it: `app.fetch` in-process, or (`'node'`, the default
 * with TEST_FRONT_DOOR=node) over a real server listening with `app.handle`, closed after the test.
 */
export async function throughFrontDoor(app: App, door: 'fetch' | 'node' = frontDoor): Promise<App> {
  if (door === 'fetch') return app;
  const served = await overNode(app);
  cleanups.push(served.close);
  return served.app;
}

export interface Principal {
  userId: string;
  keyId: string;
  key: string;
}

export interface World {
  app: App;
  deps: Deps;
  orgA: string;
  orgB: string;
  /** orgA member with USE_MUSIC_GENERATION */
  alice: Principal;
  /** orgA member with USE_MUSIC_GENERATION, owns nothing of alice's */
  bob: Principal;
  /** orgA member without capabilities */
  carol: Principal;
  /** orgB member with USE_MUSIC_GENERATION */
  dave: Principal;
  clock: { now: number };
}

/** A fresh app on its own database of the backend under test (support/backend.ts), with operators' seed data. */
export async function createWorld(options: OpenOptions & { logger?: Logger; tracing?: Tracing } = {}): Promise<World> {
  const clock = { now: Date.parse('2026-06-28T10:30:00Z') };
  const { tracing } = options;
  const traceStatement = tracing?.statements(testBackend === 'sqlite' ? 'sqlite' : 'postgres');
  const { database, release } = await openTestDatabase({ ...options, traceStatement });
  let app = createApp({ database, now: () => clock.now, logger: options.logger, tracing });
  cleanups.push(release);
  app = await throughFrontDoor(app);
  releases.set(app, release);
  const deps: Deps = {
    database: app.database,
    now: () => clock.now,
    traceId: 'req_seed',
    origin: 'http://gateway.test',
  };
  const orgA = (await createOrganization(deps, { name: 'Org A', id: 'org_a' })).id;
  const orgB = (await createOrganization(deps, { name: 'Org B', id: 'org_b' })).id;
  const principal = async (org: string, capabilities: string[]): Promise<Principal> => {
    const user = await createUser(deps, { email: `${newId('usr_')}@example.com` });
    await addMember(deps, { organizationId: org, userId: user.id, capabilities });
    const key = await createApiKey(deps, { userId: user.id });
    return { userId: user.id, keyId: key.id, key: key.key };
  };
  const cap = ['USE_MUSIC_GENERATION'];
  return {
    app,
    deps,
    orgA,
    orgB,
    alice: await principal(orgA, cap),
    bob: await principal(orgA, cap),
    carol: await principal(orgA, []),
    dave: await principal(orgB, cap),
    clock,
  };
}

export interface HttpResult {
  status: number;
  headers: Headers;
  body: any;
  text: string;
}

async function send(app: App, request: Request): Promise<HttpResult> {
  const response = await app.fetch(request);
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: response.status, headers: response.headers, body, text };
}

export interface RestOptions {
  key?: string | null;
  body?: unknown;
  /** Sent as is, without JSON encoding. */
  rawBody?: string;
  headers?: Record<string, string>;
}

export function rest(app: App, method: string, path: string, options: RestOptions = {}): Promise<HttpResult> {
  const headers = new Headers(options.headers);
  if (options.key) headers.set('x-api-key', options.key);
  let body: string | undefined = options.rawBody;
  if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    if (!headers.has('content-type')) headers.set('content-type', 'application/json');
  }
  return send(app, new Request(`http://gateway.test${path}`, { method, headers, body }));
}

export function gql(
  app: App,
  query: string,
  variables: Record<string, unknown> = {},
  key?: string | null,
  headers: Record<string, string> = {},
): Promise<HttpResult> {
  const h = new Headers({ 'content-type': 'application/json', ...headers });
  if (key) h.set('x-api-key', key);
  return send(
    app,
    new Request('http://gateway.test/graphql', {
      method: 'POST',
      headers: h,
      body: JSON.stringify({ query, variables }),
    }),
  );
}

/** The single error of a GraphQL response, asserting there is exactly one. */
export function onlyError(result: HttpResult): { message: string; extensions: Record<string, any>; path?: string[] } {
  const errors = result.body?.errors;
  if (!Array.isArray(errors) || errors.length !== 1) throw new Error(`expected one error, got ${result.text}`);
  return errors[0];
}

export async function createTrackVia(app: App, key: string, org: string, title = 'A track'): Promise<string> {
  const res = await rest(app, 'POST', `/v1/music/${org}/tracks`, { key, body: { title } });
  if (res.status !== 201) throw new Error(`createTrack failed: ${res.text}`);
  return res.body.id;
}

export async function createCollectionVia(app: App, key: string, org: string, name = 'A collection'): Promise<string> {
  const res = await rest(app, 'POST', `/v1/music/${org}/collections`, { key, body: { name } });
  if (res.status !== 201) throw new Error(`createCollection failed: ${res.text}`);
  return res.body.id;
}

export async function addVia(app: App, key: string, org: string, collectionId: string, trackId: string): Promise<void> {
  const res = await rest(app, 'POST', `/v1/music/${org}/collections/${collectionId}/tracks`, {
    key,
    body: { track_id: trackId },
  });
  if (res.status !== 200) throw new Error(`add failed: ${res.text}`);
}

/**
 * Rows read (or, for a write, planted) straight in the database, bypassing the API, to prove what
 * changed and what did not. `?` placeholders; the SQL must be valid on SQLite and PostgreSQL.
 */
export async function rows(world: World, sql: string, ...params: unknown[]): Promise<any[]> {
  return runSql(world.app.database, sql, params);
}

/** The SQLite connection under a world, for the few tests about SQLite itself. */
export function sqliteOf(world: Pick<World, 'app'>): BetterSqlite3.Database {
  const database = world.app.database as SqliteDatabase;
  if (database.dialect !== 'sqlite') throw new Error('this test needs SQLite');
  return database.sqlite;
}

/** A logger whose JSON lines land in `lines`, parsed, for tests that read the log. */
export function captureLogger(level: 'info' | 'debug' = 'debug'): { logger: Logger; lines: Record<string, any>[] } {
  const lines: Record<string, any>[] = [];
  return {
    lines,
    logger: createLogger({ level, destination: { write: (line: string) => lines.push(JSON.parse(line)) } }),
  };
}

/** `extensions` of a GraphQL answer that only carries its cost report (every answer does). */
export const costed = { cost: { requestedCost: expect.any(Number), limit: expect.any(Number), budget: null } };
