import { parseArgs } from 'node:util';

// A small command-line layer for the admin CLI: a table of commands, each with its options and
// help, and one clear sentence for every mistake. Output stays JSON; help and errors are text.

export interface OptionSpec {
  /** Shown after the flag in help, e.g. NAME. */
  value: string;
  help: string;
  required?: boolean;
  multiple?: boolean;
}

export interface CommandSpec<T = unknown> {
  summary: string;
  /** What it prints on success. */
  prints: string;
  options: Record<string, OptionSpec>;
  run: (values: Record<string, string | string[] | undefined>) => Promise<T> | T;
}

export class UsageError extends Error {
  /** The command the mistake was made in, to point at its help. */
  constructor(
    message: string,
    readonly command?: string,
  ) {
    super(message);
  }
}

const PROGRAM = 'npm run --silent admin --';

const flag = (name: string, spec: OptionSpec) => `--${name} ${spec.value}`;

export function commandHelp(name: string, spec: CommandSpec): string {
  const synopsis = Object.entries(spec.options)
    .map(([n, o]) => (o.required ? flag(n, o) : `[${flag(n, o)}]${o.multiple ? '...' : ''}`))
    .join(' ');
  const rows = Object.entries(spec.options).map(([n, o]) => [flag(n, o), o.help + (o.required ? ' (required)' : '')]);
  rows.push(['-h, --help', 'show this help']);
  const width = Math.max(...rows.map(([f]) => f!.length));
  return [
    `usage: ${PROGRAM} ${name}${synopsis ? ` ${synopsis}` : ''}`,
    '',
    spec.summary,
    `Prints ${spec.prints}.`,
    '',
    'options:',
    ...rows.map(([f, h]) => `  ${f!.padEnd(width)}  ${h}`),
    '',
    'DATABASE_URL names the database (default ./data/music.db).',
  ].join('\n');
}

export function overallHelp(commands: Record<string, CommandSpec>): string {
  const width = Math.max(...Object.keys(commands).map((n) => n.length));
  return [
    `usage: ${PROGRAM} <command> [options]`,
    '',
    'commands:',
    ...Object.entries(commands).map(([n, c]) => `  ${n.padEnd(width)}  ${c.summary}`),
    '',
    `Every command prints JSON on success, and "error: ..." on stderr with a non-zero exit on a mistake.`,
    `"${PROGRAM} <command> --help" describes one command; "${PROGRAM} --version" prints the version.`,
    'DATABASE_URL names the database (default ./data/music.db).',
  ].join('\n');
}

export type Parsed =
  | { kind: 'help'; text: string }
  | { kind: 'version' }
  | { kind: 'run'; name: string; spec: CommandSpec; values: Record<string, string | string[] | undefined> };

const isHelp = (arg: string | undefined) => arg === '--help' || arg === '-h' || arg === 'help';

/** Finds the command in `argv` and checks its options; throws UsageError with one clear sentence. */
export function parseCommand(commands: Record<string, CommandSpec>, argv: string[]): Parsed {
  if (argv.length === 0 || (isHelp(argv[0]) && argv.length === 1)) return { kind: 'help', text: overallHelp(commands) };
  if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-v')) return { kind: 'version' };
  const words = isHelp(argv[0]) ? argv.slice(1) : argv;
  const name = [words.slice(0, 2).join(' '), words[0] ?? ''].find((n) => Object.hasOwn(commands, n));
  if (!name) {
    const group = words[0] ?? '';
    const inGroup = Object.keys(commands).filter((n) => n.startsWith(`${group} `));
    if (inGroup.length > 0) {
      if (words.length === 1 || isHelp(words[1])) {
        if (isHelp(words[1]) || isHelp(argv[0]))
          return { kind: 'help', text: inGroup.map((n) => commandHelp(n, commands[n]!)).join('\n\n') };
        throw new UsageError(`"${group}" needs a subcommand: ${inGroup.join(', ')}`);
      }
      throw new UsageError(`unknown command "${group} ${words[1]}"; "${group}" has: ${inGroup.join(', ')}`);
    }
    throw new UsageError(`unknown command "${group}"; the commands are: ${Object.keys(commands).join(', ')}`);
  }
  const spec = commands[name]!;
  const rest = words.slice(name.split(' ').length);
  if (isHelp(argv[0]) || rest.some((a) => a === '--help' || a === '-h'))
    return { kind: 'help', text: commandHelp(name, spec) };
  const options = Object.fromEntries(
    Object.entries(spec.options).map(([n, o]) => [n, { type: 'string' as const, multiple: o.multiple ?? false }]),
  );
  let values: Record<string, string | string[] | undefined>;
  try {
    ({ values } = parseArgs({ args: rest, options, strict: true, allowPositionals: false }));
  } catch (error) {
    throw new UsageError(explainParseError(name, spec, error as Error), name);
  }
  for (const [n, o] of Object.entries(spec.options)) {
    const value = values[n];
    if (o.required && value === undefined) throw new UsageError(`${name} needs ${flag(n, o)}`, name);
    if (typeof value === 'string' && value.trim() === '')
      throw new UsageError(`--${n} is empty; give ${o.value}`, name);
  }
  return { kind: 'run', name, spec, values };
}

/** node:util's messages name the parser's rules; these name the user's mistake. */
function explainParseError(name: string, spec: CommandSpec, error: Error): string {
  const code = (error as { code?: string }).code;
  const known = Object.keys(spec.options).map((n) => `--${n}`);
  const takes = known.length ? `it takes ${known.join(', ')}` : 'it takes no options';
  const option = /'(-{1,2}[^' ]+)/.exec(error.message)?.[1];
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return `unknown option ${option ?? ''} for "${name}"; ${takes}`;
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') return `${option ?? 'an option'} needs a value`;
  if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') {
    const arg = /'([^']*)'/.exec(error.message)?.[1];
    return `unexpected argument "${arg ?? ''}" for "${name}"; options start with -- (${takes})`;
  }
  return error.message;
}
