import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { seedDemo, startServer, type ServerProcess } from '../scripts/crash/process.js';
import { backend, serverDatabaseUrl } from './support/backend.js';

// Two real gateway processes on one database, one key, clients on both at once: together they
// admit at most the key's budget, plus what it restores meanwhile, plus the documented slack of one
// lease per process (docs/limits.md). Budgets kept per process would admit twice the budget.

const BUDGET = 20_000;
const LEASE = BUDGET / 20; // the default lease: a twentieth of the bucket
const CLIENTS_PER_SERVER = 4;

let servers: ServerProcess[] = [];
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const s of servers) s.child.kill('SIGKILL');
  await Promise.all(servers.map((s) => s.exited));
  servers = [];
  while (cleanups.length) await cleanups.pop()!();
});

async function databaseUrl(): Promise<string> {
  if (backend === 'postgres') {
    const { url, drop } = await serverDatabaseUrl();
    cleanups.push(drop);
    return url;
  }
  const dir = mkdtempSync(join(tmpdir(), 'music-gateway-budget-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, 'music.db');
}

describe.skipIf(backend === 'pglite')(`one cost budget per key across two processes (${backend})`, () => {
  it('two processes together admit at most the budget plus its restore plus one lease each', async () => {
    const url = await databaseUrl();
    const demo = seedDemo(url);
    const env = {
      COST_BUDGET: String(BUDGET),
      COST_BUDGET_RESTORE_PER_SECOND: '1',
      GRAPHQL_COST_LIMIT: '2000',
      DATABASE_POOL_SIZE: '4',
    };
    servers = await Promise.all([startServer(url, env), startServer(url, env)]);
    const started = performance.now();
    const admitted = [0, 0];
    let refusals = 0;
    const client = async (server: number) => {
      let refusedInARow = 0;
      for (let i = 0; i < 400 && refusedInARow < 5; i++) {
        const res = await fetch(
          `${servers[server]!.url}/v1/music/${demo.organization_id}/collections/${demo.collection_id}`,
          {
            headers: { 'x-api-key': demo.key },
          },
        );
        const body = (await res.json()) as { error?: { code: string } };
        if (res.status === 200) {
          admitted[server]! += Number(res.headers.get('x-request-cost'));
          refusedInARow = 0;
        } else {
          expect(res.status, JSON.stringify(body)).toBe(429);
          expect(body.error?.code).toBe('RATE_LIMIT_EXCEEDED');
          expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
          refusals++;
          refusedInARow++;
        }
      }
    };
    await Promise.all(Array.from({ length: 2 * CLIENTS_PER_SERVER }, (_, i) => client(i % 2)));
    const seconds = (performance.now() - started) / 1000;
    const total = admitted[0]! + admitted[1]!;
    console.log(
      `budget over two processes (${backend}): admitted ${admitted.join(' + ')} = ${total} of ${BUDGET} in ${seconds.toFixed(1)} s, ${refusals} refusals`,
    );
    expect(refusals).toBeGreaterThan(0);
    expect(admitted[0]).toBeGreaterThan(0);
    expect(admitted[1]).toBeGreaterThan(0);
    expect(total).toBeLessThanOrEqual(BUDGET + Math.ceil(seconds) * 1 + 2 * LEASE);
    // The processes shared the budget rather than refusing early: all but what each still holds was spent.
    expect(total).toBeGreaterThanOrEqual(BUDGET - 2 * LEASE);
  }, 180_000);
});
