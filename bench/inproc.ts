import { createWriteStream, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../src/app.js';
import { openDatabase } from '../src/db/connection.js';
import { createLogger } from '../src/ops/logger.js';
import { operations } from './ops.js';
import { copyTemplate, seedTemplate } from './seed.js';

// `npx tsx bench/inproc.ts <operation> <rest|graphql> [requests]`: CPU per request of the app called
// in-process (app.fetch, no sockets, no adapter), on a seeded database kept in the temp directory.
// CPU time survives a loaded machine far better than throughput; run it under --cpu-prof to see
// where the app's own time goes.

const [opName = 'getCollection', surface = 'rest', nArg = '20000'] = process.argv.slice(2);
const template = join(tmpdir(), 'inproc-template.db');
if (!existsSync(`${template}.json`))
  writeFileSync(`${template}.json`, JSON.stringify(await seedTemplate(template, { pool: 60_000 })));
const world = JSON.parse(readFileSync(`${template}.json`, 'utf8'));
const work = mkdtempSync(join(tmpdir(), 'inproc-'));
const app = createApp({
  database: await openDatabase(copyTemplate(template, join(work, 't.db'))),
  logger: createLogger({ level: 'info', destination: createWriteStream('/dev/null') as any }),
});
const op = operations.find((o) => o.name === opName)!;
let k = 0;
async function one() {
  const { call, check } = surface === 'rest' ? op.rest(world, k++) : op.graphql(world, k++);
  const res = await app.fetch(
    new Request(`http://127.0.0.1${call.path}`, { method: call.method, headers: call.headers, body: call.body }),
  );
  const text = await res.text();
  const problem = check(res.status, text);
  if (problem) throw new Error(problem);
}
const n = Number(nArg);
for (let i = 0; i < n / 5; i++) await one();
for (let r = 0; r < 3; r++) {
  const cpu = process.cpuUsage();
  for (let i = 0; i < n; i++) await one();
  const used = process.cpuUsage(cpu);
  console.log(`${opName}/${surface}: ${((used.user + used.system) / n).toFixed(1)} µs CPU per request`);
}
