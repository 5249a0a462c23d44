import { randomBytes } from 'node:crypto';

export type IdPrefix = 'org_' | 'usr_' | 'key_' | 'mtrack_' | 'mcoll_' | 'mlib_' | 'mslink_' | 'req_';

/** 80 random bits, hex: unguessable and still short enough to read aloud. */
export function newId(prefix: IdPrefix): string {
  return prefix + randomBytes(10).toString('hex');
}
