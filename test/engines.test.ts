import { readFileSync } from 'node:fs';
import semver from 'semver';
import { describe, expect, it } from 'vitest';

// The gateway supports Node 20: a dependency update that pulls in a package declaring a newer
// Node (as @whatwg-node/promise-helpers 2 did, node >= 22.15) fails here, not on a user's machine.
const lock = JSON.parse(readFileSync(new URL('../package-lock.json', import.meta.url), 'utf8')) as {
  packages: Record<string, { engines?: { node?: string } | string[] }>;
};
const declared = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { engines: { node: string } }
).engines.node;
const oldest = semver.minVersion(declared)!.version;

describe('Node versions', () => {
  it(`every package in the lock runs on the oldest Node the project declares (${declared})`, () => {
    const refusing = Object.entries(lock.packages).flatMap(([path, entry]) => {
      const node = Array.isArray(entry.engines) ? undefined : entry.engines?.node;
      return node && !semver.satisfies(oldest, node) ? [`${path}: node ${node}`] : [];
    });
    expect(refusing).toEqual([]);
  });

  it('the declared range is a Node 20 one', () => {
    expect(semver.major(oldest)).toBe(20);
  });
});
