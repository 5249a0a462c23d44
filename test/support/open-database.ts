// Child process for test/multiprocess.test.ts: opens (and so migrates) a database file the way
// a starting worker does, and says how that went on stdout.
import { openDatabase } from '../../src/db/connection.js';

process.stdout.write('opening\n');
try {
  await (await openDatabase(process.argv[2]!)).close();
  process.stdout.write('ok\n');
} catch (error) {
  process.stdout.write(`error: ${String(error).split('\n')[0]}\n`);
  process.exitCode = 1;
}
