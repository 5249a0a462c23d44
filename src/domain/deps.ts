import type { Database } from '../db/connection.js';

/** What every domain function needs besides the viewer and its input. */
export interface Deps {
  database: Database;
  /** Milliseconds since the epoch; injectable so tests can move time. */
  now: () => number;
  /** Recorded on audit rows so a request's effects can be traced. */
  traceId: string;
  /** Where clients reach this gateway, e.g. `https://music.example.com`; share URLs start with it. */
  origin: string;
}
