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

/**
 * Liveness: the process is running and answers. It asks nothing of the database on purpose: a
 * database outage makes every instance unready, and restarting them all would not mend it.
 */
export function healthz(): Response {
  return json({ status: 'ok' }, 200);
}

/** Readiness: not shutting down, and the database answers and has applied every migration this code ships. */
export async function readyz(database: Database, shuttingDown: boolean): Promise<Response> {
  if (shuttingDown) return json({ status: 'unavailable', shutting_down: true }, 503);
  if (!(await pingOf(database))) return json({ status: 'unavailable', database: 'unreachable' }, 503);
  let migrations: Awaited<ReturnType<typeof migrationState>>;
  try {
    migrations = await migrationState(database);
  } catch (error) {
    return json({ status: 'unavailable', database: 'ok', migrations: { error: (error as Error).message } }, 503);
  }
  const ready = migrations.pending.length === 0;
  return json({ status: ready ? 'ready' : 'unavailable', database: 'ok', migrations }, ready ? 200 : 503);
}
