import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const root = new URL('..', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'music-gateway-cli-help-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function admin(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  try {
    const r = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/cli/admin.ts', ...args], {
      cwd: root,
      env: { ...process.env, DATABASE_URL: join(dir, 'music.db') },
    });
    return { code: 0, out: r.stdout, err: r.stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, out: e.stdout, err: e.stderr };
  }
}

const COMMANDS = [
  'org create',
  'org list',
  'user create',
  'user list',
  'member add',
  'member list',
  'member remove',
  'key create',
  'key list',
  'key revoke',
  'audit list',
  'demo',
];

describe('admin --help', () => {
  it('lists every command, with no arguments, --help, -h or help', async () => {
    for (const r of await Promise.all([admin(), admin('--help'), admin('-h'), admin('help')])) {
      expect(r.code).toBe(0);
      expect(r.err).toBe('');
      expect(r.out).toMatch(/^usage: npm run --silent admin -- <command>/);
      for (const command of COMMANDS) expect(r.out).toContain(`  ${command} `);
    }
  });

  it('describes each command and its options on stdout, exit 0, touching no database', async () => {
    const results = await Promise.all(COMMANDS.map((c) => admin(...c.split(' '), '--help')));
    results.forEach((r, i) => {
      expect(r.code, COMMANDS[i]).toBe(0);
      expect(r.err).toBe('');
      expect(r.out).toMatch(new RegExp(`^usage: npm run --silent admin -- ${COMMANDS[i]}`));
      expect(r.out).toContain('Prints ');
      expect(r.out).toContain('-h, --help');
    });
    expect(results[0]!.out).toContain('--name NAME');
    expect(results[0]!.out).toContain('(required)');
    expect(results[COMMANDS.indexOf('member add')]!.out).toContain('--capability USE_MUSIC_GENERATION');
    expect(results[COMMANDS.indexOf('audit list')]!.out).toContain('--action ACTION');
    expect(results[COMMANDS.indexOf('key list')]!.out).toContain('--limit N');
    // -h after other options, and `help <command>`, work too.
    const [late, word, group] = await Promise.all([
      admin('key', 'create', '--user', 'usr_x', '-h'),
      admin('help', 'key', 'revoke'),
      admin('key', '--help'),
    ]);
    expect(late.out).toMatch(/^usage: .* key create/);
    expect(word.out).toMatch(/^usage: .* key revoke/);
    expect(group.out).toContain('key create');
    expect(group.out).toContain('key revoke');
  });
});

describe('admin --version', () => {
  it('prints the name and the version of package.json', async () => {
    const version = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version;
    for (const r of await Promise.all([admin('--version'), admin('-v')])) {
      expect(r).toEqual({ code: 0, out: `music-gateway ${version}\n`, err: '' });
    }
  });
});

describe('admin mistakes', () => {
  it('get one clear sentence on stderr, nothing on stdout, and a non-zero exit', async () => {
    const cases: [string[], RegExp, number][] = [
      [['frobnicate'], /^error: unknown command "frobnicate"; the commands are: org create, /, 2],
      [['org'], /^error: "org" needs a subcommand: org create, org list\n/, 2],
      [['org', 'delete'], /^error: unknown command "org delete"; "org" has: org create, org list\n/, 2],
      [
        ['org', 'create'],
        /^error: org create needs --name NAME\n\(run "npm run --silent admin -- org create --help" for its options\)/,
        2,
      ],
      [['org', 'create', '--name'], /^error: --name needs a value\n/, 2],
      [['org', 'create', '--name', '  '], /^error: --name is empty; give NAME\n/, 2],
      [
        ['org', 'create', '--colour', 'red'],
        /^error: unknown option --colour for "org create"; it takes --name, --id\n/,
        2,
      ],
      [['org', 'create', 'Acme'], /^error: unexpected argument "Acme" for "org create"; options start with --/, 2],
      [['demo', '--force'], /^error: unknown option --force for "demo"; it takes no options\n/, 2],
      [['org', 'create', '--name', 'X', '--id', 'nope'], /^error: id must look like org_/, 1],
      [['user', 'create', '--email', 'not-an-email'], /^error: email is not a valid address\n$/, 1],
      [
        ['member', 'add', '--org', 'org_missing', '--user', 'usr_missing'],
        /^error: organization org_missing does not exist\n$/,
        1,
      ],
      [['key', 'revoke', '--id', 'key_missing'], /^error: API key key_missing does not exist\n$/, 1],
      [['member', 'list'], /^error: member list needs --org ORG_ID\n/, 2],
      [
        ['member', 'remove', '--org', 'org_missing', '--user', 'usr_x'],
        /^error: organization org_missing does not exist\n$/,
        1,
      ],
      [['org', 'list', '--limit', '0'], /^error: limit must be a whole number from 1 to 1000\n$/, 1],
      [['key', 'list', '--limit', 'ten'], /^error: limit must be a whole number from 1 to 1000\n$/, 1],
      [['key', 'list', '--user', 'usr_missing'], /^error: user usr_missing does not exist\n$/, 1],
      [
        ['audit', 'list', '--since', 'yesterday'],
        /^error: since must be a date \(2026-06-28, UTC\) or a time with its zone/,
        1,
      ],
      [['audit', 'list', '--since', '2026-06-28T10:30:00'], /^error: since must be a date/, 1],
      [
        ['audit', 'list', '--action', 'track.explode'],
        /^error: unknown action track\.explode; the actions are collection\.create, /,
        1,
      ],
      [['--version', 'demo'], /^error: unknown command "--version"/, 2],
    ];
    const results = await Promise.all(cases.map(([args]) => admin(...args)));
    results.forEach((r, i) => {
      const [args, message, code] = cases[i]!;
      expect(r.err, args.join(' ')).toMatch(message);
      expect(r.code, args.join(' ')).toBe(code);
      expect(r.out).toBe('');
    });
    // Twenty-two CLI processes at once, each compiling src/ through tsx: seconds of CPU on two cores.
  }, 120_000);

  it('names the database when it cannot be opened', async () => {
    const r = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/cli/admin.ts', 'demo'], {
      cwd: root,
      env: { ...process.env, DATABASE_URL: '/dev/null/nested/music.db' },
    }).catch((e: { code: number; stdout: string; stderr: string }) => e);
    expect(r).toMatchObject({ code: 1, stdout: '' });
    expect((r as { stderr: string }).stderr).toMatch(
      /^error: cannot open the database at \/dev\/null\/nested\/music\.db \(DATABASE_URL\): /,
    );
  });
});
