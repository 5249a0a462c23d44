import { randomBytes } from 'node:crypto';

export type IdPrefix = 'org_' | 'usr_' | 'key_' | 'mtrack_' | 'mcoll_' | 'mlib_' | 'mslink_' | 'req_';

const ID_BYTES = 10;
// Random bytes are drawn from the CSPRNG a few kilobytes at a time: one call per id (every request
// gets a trace id) cost more than the rest of making one. Each byte is handed out once.
let pool = Buffer.alloc(0);
let offset = 0;

/** 80 random bits, hex: unguessable and still short enough to read aloud. */
export function newId(prefix: IdPrefix): string {
  if (offset + ID_BYTES > pool.length) {
    pool = randomBytes(4096);
    offset = 0;
  }
  offset += ID_BYTES;
  return prefix + pool.toString('hex', offset - ID_BYTES, offset);
}
