import { config } from './config.js';
import { saturate, type PhaseResult } from './load.js';
import { operations, type Surface } from './ops.js';
import type { World } from './seed.js';
import { cores, hasTaskset, start, type Running } from './servers.js';

// One product process against two on one database, the load split over them: two autocannon
// instances, one per process, each with half the connections, started together and sharing one
// request sequence; throughput is all requests answered over the longer of the two phases.

/** The figure's operations: a light read, the nested page (the most CPU per request), a write. */
export const PROCESS_OPS: readonly { op: string; surface: Surface }[] = [
  { op: 'getCollection', surface: 'rest' },
  { op: 'listCollections', surface: 'graphql' },
  { op: 'addTrackToCollection', surface: 'rest' },
];

export type BackendName = 'sqlite' | 'postgres';

/** Where the section's databases come from: one fresh database per (repetition, process count). */
export interface Backend {
  name: BackendName;
  fresh(): Promise<string>;
  dispose(url: string): Promise<void>;
}

export interface ProcessSample {
  rep: number;
  backend: BackendName;
  processes: number;
  op: string;
  surface: Surface;
  /** requests/s answered by all processes together */
  rps: number;
  /** each process's own requests/s */
  perProcess: number[];
  /** the worst process's p99, ms */
  p99: number;
  /** share of its one core the load generator used (one process drives every instance) */
  loadgenCpu: number;
}

/**
 * The product's processes may run on every core in this section, with one process as with two, so
 * the process count is the only difference (the load generator stays on core 1).
 */
export const PROCESS_CPUS = hasTaskset && cores > 1 ? `0-${cores - 1}` : undefined;

function combine(
  phases: PhaseResult[],
  where: string,
): Pick<ProcessSample, 'rps' | 'perProcess' | 'p99' | 'loadgenCpu'> {
  const failed = phases.find((p) => p.failures > 0);
  if (failed) throw new Error(`${where}: ${failed.failures} failed responses; first: ${failed.firstFailure}`);
  const requests = phases.reduce((sum, p) => sum + p.requests, 0);
  return {
    rps: requests / Math.max(...phases.map((p) => p.seconds)),
    perProcess: phases.map((p) => p.rps),
    p99: Math.max(...phases.map((p) => p.p99)),
    loadgenCpu: Math.max(...phases.map((p) => p.loadgenCpu)),
  };
}

export async function runProcesses(
  world: World,
  backends: Backend[],
  log: (line: string) => void,
): Promise<ProcessSample[]> {
  const samples: ProcessSample[] = [];
  for (let rep = 1; rep <= config.repetitions; rep++) {
    for (const backend of backends) {
      // Alternated each repetition, so neither count always runs on the warmer machine.
      for (const processes of rep % 2 ? [1, 2] : [2, 1]) {
        const url = await backend.fresh();
        const servers: Running[] = [];
        try {
          for (let i = 0; i < processes; i++) servers.push(await start('product', url, { cpus: PROCESS_CPUS }));
          for (const { op, surface } of PROCESS_OPS) {
            const operation = operations.find((o) => o.name === op)!;
            let k = 0;
            const next = () => operation[surface](world, k++);
            const connections = Math.max(1, Math.round(config.connections / processes));
            const phase = (seconds: number) =>
              Promise.all(servers.map((s) => saturate(s.url, next, { connections, seconds })));
            const where = `processes rep ${rep} ${backend.name} ×${processes} ${op} ${surface}`;
            combine(await phase(config.warmupSeconds), `${where} warm-up`);
            const sample = {
              rep,
              backend: backend.name,
              processes,
              op,
              surface,
              ...combine(await phase(config.saturationSeconds), where),
            };
            samples.push(sample);
            log(
              `  ${backend.name.padEnd(8)} ×${processes} ${op.padEnd(22)} ${surface.padEnd(7)} ${sample.rps.toFixed(0).padStart(6)} req/s` +
                `  (${sample.perProcess.map((r) => r.toFixed(0)).join(' + ')})  loadgen ${(sample.loadgenCpu * 100).toFixed(0)}%`,
            );
          }
        } finally {
          for (const server of servers) await server.stop();
          await backend.dispose(url);
        }
      }
    }
  }
  return samples;
}
