import { Agent, request as httpRequest } from 'node:http';
import autocannon from 'autocannon';
import type { Sample } from './ops.js';

/** What one load phase measured; every response was checked. */
export interface PhaseResult {
  requests: number;
  seconds: number;
  rps: number;
  p50: number;
  p99: number;
  /** Responses that were not 2xx or failed their body check, plus socket errors and timeouts. */
  failures: number;
  firstFailure?: string;
  /** Share of one core the load generator used (this process), 0..1. */
  loadgenCpu: number;
  /** Fixed-rate phases: the server fell more than a quarter second behind and sending stopped. */
  overloaded?: boolean;
}

function percentile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

class Recorder {
  private latencies = new Float64Array(1 << 16);
  private n = 0;
  failures = 0;
  firstFailure: string | undefined;

  record(ms: number): void {
    if (this.n === this.latencies.length) {
      const bigger = new Float64Array(this.latencies.length * 2);
      bigger.set(this.latencies);
      this.latencies = bigger;
    }
    this.latencies[this.n++] = ms;
  }

  fail(why: string): void {
    this.failures++;
    this.firstFailure ??= why;
  }

  result(seconds: number, cpu: NodeJS.CpuUsage): PhaseResult {
    const sorted = this.latencies.slice(0, this.n).sort();
    return {
      requests: this.n,
      seconds,
      rps: this.n / seconds,
      p50: percentile(sorted, 0.5),
      p99: percentile(sorted, 0.99),
      failures: this.failures,
      firstFailure: this.firstFailure,
      loadgenCpu: (cpu.user + cpu.system) / 1e6 / seconds,
    };
  }
}

interface ConnectionContext {
  check?: Sample['check'];
  sentAt?: number;
}

/**
 * Closed-loop saturation with autocannon: `connections` keep one request each in flight.
 * Latency is timed here (autocannon's histogram has whole-millisecond resolution) from the
 * moment each request is built to its response; bodies are checked as they arrive.
 */
export async function saturate(
  url: string,
  next: () => Sample,
  options: { connections: number; seconds: number },
): Promise<PhaseResult> {
  const recorder = new Recorder();
  const cpu = process.cpuUsage();
  const started = performance.now();
  const result = await autocannon({
    url,
    connections: options.connections,
    duration: options.seconds,
    timeout: 10,
    requests: [
      {
        setupRequest: (req: any, context: ConnectionContext) => {
          const { call, check } = next();
          context.check = check;
          context.sentAt = performance.now();
          return { ...req, method: call.method, path: call.path, body: call.body, headers: call.headers };
        },
        onResponse: (status: number, body: string, context: ConnectionContext) => {
          recorder.record(performance.now() - (context.sentAt ?? started));
          const problem = context.check ? context.check(status, body) : 'response without a request';
          if (problem) recorder.fail(problem);
        },
      },
    ],
  } as autocannon.Options);
  const seconds = (performance.now() - started) / 1000;
  const out = recorder.result(seconds, process.cpuUsage(cpu));
  out.failures += result.errors + result.timeouts;
  if (result.errors + result.timeouts > 0)
    out.firstFailure ??= `${result.errors} socket errors, ${result.timeouts} timeouts`;
  return out;
}

/**
 * Open-loop load at a fixed rate: requests are due at even intervals and latency is counted from
 * when each was due, so a server that falls behind is charged for the queue it causes.
 * (autocannon's rate options send each connection's quota back-to-back at the start of every
 * second, which measures bursts, not a steady rate.)
 */
export function paced(
  url: string,
  next: () => Sample,
  options: { rate: number; seconds: number },
): Promise<PhaseResult> {
  const { hostname, port } = new URL(url);
  // A socket left idle as long as the server's keep-alive timeout (Node's 5 s) can be reused just
  // as the server closes it: ECONNRESET, charged to the server. With a timeout of its own, the
  // agent closes idle sockets first (Node then also honours the server's Keep-Alive hint).
  const agent = new Agent({ keepAlive: true, maxSockets: 64, timeout: 4_000 });
  const recorder = new Recorder();
  const cpu = process.cpuUsage();
  const started = performance.now();
  const total = Math.max(1, Math.round(options.rate * options.seconds));
  const interval = 1000 / options.rate;
  // A server more than this far behind cannot serve the rate; queueing further only lengthens
  // the phase, so sending stops and the phase is marked overloaded.
  const maxBacklog = Math.max(64, Math.ceil(options.rate / 4));
  let sent = 0;
  let done = 0;
  let stopped = false;
  return new Promise((resolve) => {
    const finish = () => {
      if (done < (stopped ? sent : total)) return;
      clearInterval(timer);
      agent.destroy();
      resolve({ ...recorder.result((performance.now() - started) / 1000, process.cpuUsage(cpu)), overloaded: stopped });
    };
    const send = (dueAt: number) => {
      const { call, check } = next();
      const req = httpRequest(
        { agent, host: hostname, port, method: call.method, path: call.path, headers: call.headers },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            recorder.record(performance.now() - dueAt);
            const problem = check(res.statusCode ?? 0, Buffer.concat(chunks).toString('utf8'));
            if (problem) recorder.fail(problem);
            done++;
            finish();
          });
        },
      );
      req.on('error', (error) => {
        recorder.fail(String(error));
        done++;
        finish();
      });
      req.end(call.body);
    };
    const timer = setInterval(() => {
      if (stopped) return;
      const due = Math.min(total, Math.floor((performance.now() - started) / interval) + 1);
      while (sent < due) {
        if (sent - done > maxBacklog) {
          stopped = true;
          finish();
          return;
        }
        send(started + sent++ * interval);
      }
    }, 1);
  });
}
