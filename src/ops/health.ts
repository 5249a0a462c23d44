import type { Database } from '../db/connection.js';
import { migrationState } from '../db/readiness.js';
import { json } from '../wire/errors.js';

const pingOf = async (database: Database): Promise<boolean> => {
  try {
    return await database.ping();
  } catch {
    return false;
  }
};

/** Liveness: the process answers and its database does. */
export async function healthz(database: Database): Promise<Response> {
  const ok = await pingOf(database);
  return json({ status: ok ? 'ok' : 'unavailable' }, ok ? 200 : 503);
}

/** Readiness: the database answers and has applied every migration this code ships. */
export async function readyz(database: Database): Promise<Response> {
  if (!(await pingOf(database))) return json({ status: 'unavailable', database: 'unreachable' }, 503);
  let migrations;
  try {
    migrations = await migrationState(database);
  } catch (error) {
    return json({ status: 'unavailable', database: 'ok', migrations: { error: (error as Error).message } }, 503);
  }
  const ready = migrations.pending.length === 0;
  return json({ status: ready ? 'ready' : 'unavailable', database: 'ok', migrations }, ready ? 200 : 503);
}
