import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { backend } from './support/backend.js';

// The README's command blocks, run top to bottom as a newcomer would: `npm start` in one terminal,
// then every later `sh` block in one shell in a second, against that server and its database. A
// block that stops working (a renamed CLI flag, a route or a field the examples rely on) fails here.
// Child processes cannot reach PGlite, so this runs on SQLite files.

const root = new URL('..', import.meta.url).pathname;
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const blocks = [...readme.matchAll(/^```sh\n([\s\S]*?)^```$/gm)].map((m) => m[1]!);

const freePort = () =>
  new Promise<number>((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

// A folder that looks like a fresh checkout after `npm install` (the package's files, linked),
// so the README's relative paths (`./data/…`) land in a folder of the test's own.
const work = mkdtempSync(join(tmpdir(), 'music-gateway-readme-'));
for (const name of readdirSync(root))
  if (!['data', '.git'].includes(name)) symlinkSync(join(root, name), join(work, name));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe.skipIf(backend === 'pglite')('README', () => {
  it('starts with the two commands a newcomer runs', () => {
    expect(
      blocks[0]
        ?.split('\n')
        .map((line) => line.split('#')[0]!.trim())
        .filter(Boolean),
    ).toEqual(['npm install && npm start', 'npm test']);
    expect(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).scripts.test).toBeDefined();
  });

  it('every later command block runs, in order, against the server npm start starts', async () => {
    const port = await freePort();
    // The defaults a newcomer has: no DATABASE_URL (./data/music.db), quiet logs for the test.
    const { DATABASE_URL: _, ...inherited } = process.env;
    const env = { ...inherited, PORT: String(port), LOG_LEVEL: 'silent' };
    const server = spawn('npm', ['start'], { cwd: work, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    try {
      let printed = '';
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`npm start printed no ready line: ${printed}`)), 60_000);
        const read = (chunk: Buffer) => {
          printed += chunk.toString();
          if (
            /music-gateway ready at http:\/\/127\.0\.0\.1:\d+\/graphql \(database \.\/data\/music\.db\)/.test(printed)
          ) {
            clearTimeout(timer);
            resolve();
          }
        };
        server.stdout.on('data', read);
        server.stderr.on('data', read);
        server.on('exit', (code) => reject(new Error(`npm start exited ${code}: ${printed}`)));
      });
      // The README speaks of port 4000; this server listens where the test could bind.
      const script = blocks.slice(1).join('\n').replaceAll('127.0.0.1:4000', `127.0.0.1:${port}`);
      // stdin is /dev/null: bash reads /etc/bash.bashrc when its stdin is a socket (it takes that
      // for rshd), and Node's pipes are sockets; under -u that file's $PS1 test fails.
      const run = spawnSync('bash', ['-euo', 'pipefail', '-c', script], {
        cwd: work,
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
        encoding: 'utf8',
        timeout: 120_000,
      });
      expect(run.stderr).toBe('');
      expect(run.status, run.stdout).toBe(0);
      // Every answer the examples print is a success: no REST envelope, no GraphQL error.
      expect(run.stdout).not.toMatch(/"success":\s*false|"errors"\s*:|^error:/m);
      expect(run.stdout).toContain('"name":"Focus Sessions","trackCount":3');
      expect(run.stdout).toMatch(
        /\{"collection_id":"mcoll_\w+","items":\[\{"track_id":"mtrack_\w+","position":0,"added_at":"[^"]+"\}\],"limit":200,"offset":0\}/,
      );
      expect(run.stdout).toMatch(/"key": "mgk_/);
    } finally {
      process.kill(-server.pid!, 'SIGTERM');
    }
  }, 180_000);
});
