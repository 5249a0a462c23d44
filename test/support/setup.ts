import { afterEach } from 'vitest';
import { releaseDatabases } from '../helpers.js';

// Registered per test file: with the pglite project's shared processes, a hook registered where
// helpers.ts is first imported would only serve that first file.
afterEach(releaseDatabases);
