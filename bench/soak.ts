import autocannon from 'autocannon';
import { operations, type Sample } from './ops.js';
import type { World } from './seed.js';
import { start } from './servers.js';

/**
 * Sustained load on the product for `total` requests, alternating the REST and GraphQL reads of a
 * collection (every body checked), with the server's RSS sampled once a second.
 */
export async function soak(path: string, world: World, total: number) {
  const get = operations.find((o) => o.name === 'getCollection')!;
  const server = await start('product', path);
  let k = 0;
  let failures = 0;
  let firstFailure: string | undefined;
  const trace: { requests: number; seconds: number; rssMB: number }[] = [];
  const started = performance.now();
  const sampleRss = () =>
    trace.push({ requests: k, seconds: (performance.now() - started) / 1000, rssMB: server.memory().rss });
  const timer = setInterval(sampleRss, 1000);
  const result = await autocannon({
    url: server.url,
    connections: 16,
    amount: total,
    timeout: 10,
    requests: [
      {
        setupRequest: (req: any, context: { check?: Sample['check'] }) => {
          const i = k++;
          const { call, check } = i % 2 === 0 ? get.rest(world, i) : get.graphql(world, i);
          context.check = check;
          return { ...req, method: call.method, path: call.path, body: call.body, headers: call.headers };
        },
        onResponse: (status: number, body: string, context: { check?: Sample['check'] }) => {
          const problem = context.check?.(status, body);
          if (problem) {
            failures++;
            firstFailure ??= problem;
          }
        },
      },
    ],
  } as autocannon.Options);
  clearInterval(timer);
  sampleRss();
  const { hwm } = server.memory();
  await server.stop();
  failures += result.errors + result.timeouts;
  if (failures > 0) throw new Error(`soak: ${failures} failed responses; first: ${firstFailure}`);
  // Growth: the last tenth of the run against the tenth after warm-up.
  const tenth = (from: number) => {
    const slice = trace.filter((t) => t.requests >= from * total && t.requests < (from + 0.1) * total);
    return slice.reduce((sum, t) => sum + t.rssMB, 0) / Math.max(1, slice.length);
  };
  return {
    requests: result.requests.total,
    seconds: (performance.now() - started) / 1000,
    rps: result.requests.total / ((performance.now() - started) / 1000),
    rssEarlyMB: tenth(0.1),
    rssLateMB: tenth(0.9),
    peakRssMB: hwm,
    trace: trace.filter((_, i) => i % Math.max(1, Math.floor(trace.length / 60)) === 0),
  };
}
