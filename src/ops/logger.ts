import { pino, type Logger } from 'pino';

export type { Logger };

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface LoggerOptions {
  level?: LogLevel;
  /** Human-readable lines instead of JSON, for a terminal. */
  pretty?: boolean;
  /** Where lines go; stdout by default. */
  destination?: { write(line: string): unknown };
}

/** JSON lines (one per request) for machines; `pretty` turns them into short lines for people. */
export function createLogger(options: LoggerOptions = {}): Logger {
  const out = options.destination ?? process.stdout;
  const destination = options.pretty ? { write: (line: string) => out.write(`${prettyLine(line, true)}\n`) } : out;
  return pino({ level: options.level ?? 'info', timestamp: pino.stdTimeFunctions.isoTime }, destination);
}

/** A logger that drops everything: the default for apps built in tests. */
export const silentLogger = (): Logger => pino({ level: 'silent' });

const LEVEL_STYLE: Record<number, [string, string]> = {
  10: ['TRACE', '90'],
  20: ['DEBUG', '36'],
  30: ['INFO', '32'],
  40: ['WARN', '33'],
  50: ['ERROR', '31'],
  60: ['FATAL', '35'],
};

/**
 * `12:00:01.234 INFO  POST /v1/music/:organization_id/collections 201 3.1 ms req_… key_… org_…`.
 * A few lines of our own rather than pino-pretty (15 more packages) for a development nicety.
 */
export function prettyLine(line: string, color: boolean): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line.trimEnd();
  }
  const { level, time, msg, pid: _pid, hostname: _host, err, ...fields } = entry;
  const [label, code] = LEVEL_STYLE[Number(level)] ?? [String(level), '0'];
  const paint = (text: string) => (color ? `\x1b[${code}m${text}\x1b[0m` : text);
  const parts = [String(time ?? '').slice(11, 23), paint(label.padEnd(5))];
  const { method, route, status, duration_ms, ...rest } = fields;
  if (method !== undefined) parts.push(`${method} ${route} ${status} ${duration_ms} ms`);
  else parts.push(String(msg ?? ''));
  for (const value of Object.values(rest)) if (value !== undefined && value !== null) parts.push(String(value));
  const stack = (err as { stack?: string } | undefined)?.stack;
  return parts.join(' ') + (stack ? `\n${stack}` : '');
}
