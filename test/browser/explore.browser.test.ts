import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The pages as a person meets them: the real server (`src/server.ts`), Debian's Chromium driven by
// playwright-core, a key made with the admin CLI. Run with `npm run test:browser`.
const root = new URL('../..', import.meta.url).pathname;
const artifacts = join(root, 'test/artifacts');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
// Without the background-networking flags Chromium keeps trying to reach Google's hosts.
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

let dir: string;
let server: ChildProcess;
let base: string;
let browser: Browser;
let demo: { key: string; user_id: string; organization_id: string };

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'music-gateway-browser-'));
  mkdirSync(artifacts, { recursive: true });
  const env = { ...process.env, DATABASE_URL: join(dir, 'music.db'), LOG_LEVEL: 'warn' };
  const cli = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/admin.ts', 'demo'], {
    cwd: root,
    env,
    encoding: 'utf8',
  });
  if (cli.status !== 0) throw new Error(`admin demo failed: ${cli.stderr}`);
  demo = JSON.parse(cli.stdout);
  server = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    cwd: root,
    env: { ...env, PORT: '0' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  base = await new Promise<string>((resolve, reject) => {
    let out = '';
    server.stdout?.on('data', (chunk) => {
      out += chunk;
      const ready = /ready at (http:\/\/\S+)\/graphql/.exec(out);
      if (ready?.[1]) resolve(ready[1]);
    });
    server.on('exit', (code) => reject(new Error(`server exited ${code}: ${out}`)));
  });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true });
});

afterAll(async () => {
  await browser?.close();
  server?.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
});

/** A page that records every URL it loads and every script error. */
async function open(path: string): Promise<{ page: Page; loaded: string[]; errors: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base });
  const loaded: string[] = [];
  const errors: string[] = [];
  page.on('request', (r) => loaded.push(r.url()));
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  await page.goto(base + path);
  return { page, loaded, errors };
}

/** Monaco draws spaces as no-break spaces. */
const text = async (locator: Locator) => (await locator.innerText()).replace(/\u00a0/g, ' ');

/** Offline means every request stays on this origin (blob: and data: are in-page). */
function offHost(urls: string[]): string[] {
  return urls.filter((u) => !u.startsWith(`${base}/`) && !/^(data|blob):/.test(u));
}

describe('GraphiQL at /graphql', () => {
  it('loads offline, takes a pasted key, runs the example query and shows the viewer', async () => {
    const { page, loaded, errors } = await open('/graphql');
    const query = page.locator('.graphiql-query-editor');
    await expect.poll(() => text(query), { timeout: 30_000 }).toContain('query Me');

    await page.getByRole('button', { name: 'Headers' }).click();
    const headers = page.locator('.graphiql-editor-tool .graphiql-editor:visible');
    await expect.poll(() => text(headers)).toContain('X-API-Key');
    await headers.click();
    await page.keyboard.press('ControlOrMeta+A');
    await page.keyboard.press('Delete');
    // A real paste from the clipboard: typing would get brackets and quotes auto-closed.
    await page.evaluate((value) => navigator.clipboard.writeText(value), JSON.stringify({ 'X-API-Key': demo.key }));
    await page.keyboard.press('ControlOrMeta+V');
    await expect.poll(() => text(headers)).toContain(demo.key);
    await page.keyboard.press('Home'); // scrolls the editor back to the start of the line

    await page.getByRole('button', { name: /Execute query/ }).click();
    const result = page.locator('.graphiql-response');
    await expect.poll(() => text(result), { timeout: 30_000 }).toContain(demo.user_id);
    expect(await text(result)).toContain(demo.organization_id);
    await page.screenshot({ path: join(artifacts, 'graphiql.png') });

    expect(offHost(loaded)).toEqual([]);
    expect(loaded).toContain(`${base}/assets/graphiql/graphiql.js`);
    expect(errors).toEqual([]);
    await page.close();
  });
});

describe('REST reference at /v1/docs', () => {
  it('renders the OpenAPI document with its title and operations, offline', async () => {
    const { page, loaded, errors } = await open('/v1/docs');
    await expect
      .poll(() => page.locator('.info .title').innerText(), { timeout: 30_000 })
      .toContain('music-gateway REST API');
    await expect.poll(() => page.getByText('Create a collection').count()).toBeGreaterThan(0);
    await page.screenshot({ path: join(artifacts, 'docs.png') });
    expect(offHost(loaded)).toEqual([]);
    expect(loaded).toContain(`${base}/v1/openapi.json`);
    expect(errors).toEqual([]);
    await page.close();
  });
});
