import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { resolve } from 'node:path';

// Runs a server entry (PROFILE_ENTRY) under the V8 CPU profiler and writes the profile to
// PROFILE_OUT on SIGUSR2. (node --cpu-prof writes nothing here: the servers leave through
// process.exit in their signal handlers, with tsx's loader thread alive.) With PROFILE_DEFER=1 the
// profiler starts on SIGWINCH instead of at once, so a profile can leave out start-up and warm-up
// (module loading, V8 compiling the server's code, graphql-jit compiling the documents).
const entry = process.env.PROFILE_ENTRY;
const out = process.env.PROFILE_OUT;
if (!entry || !out) throw new Error('PROFILE_ENTRY and PROFILE_OUT are required');

const session = new Session();
session.connect();
await session.post('Profiler.enable');
await session.post('Profiler.setSamplingInterval', { interval: 100 });
if (process.env.PROFILE_DEFER === '1') process.once('SIGWINCH', () => void session.post('Profiler.start'));
else await session.post('Profiler.start');
process.once('SIGUSR2', async () => {
  const { profile } = await session.post('Profiler.stop');
  writeFileSync(out, JSON.stringify(profile));
  process.kill(process.pid, 'SIGTERM');
});
// As if the entry had been run itself: entries that start only when run directly (the limit, the
// peers) check process.argv[1].
process.argv[1] = resolve(entry);
await import(resolve(entry));
