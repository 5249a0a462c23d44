import { writeFileSync } from 'node:fs';
import { printSchemaSDL } from '../src/graphql/schema.js';

writeFileSync(new URL('../schema.graphql', import.meta.url), printSchemaSDL());
console.log('wrote schema.graphql');
