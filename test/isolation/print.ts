// Prints the tenant-isolation matrix as JSON lines, one cell a line, for review or diffing.
import { cells } from './matrix.js';

for (const cell of cells()) process.stdout.write(`${JSON.stringify(cell)}\n`);
