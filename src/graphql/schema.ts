import { lexicographicSortSchema, printSchema, type GraphQLSchema } from 'graphql';
import { builder } from './builder.js';
// Each module adds its types and root fields to the builder.
import './scalars.js';
import './ack.js';
import './viewer.js';
import './track.js';
import './collection.js';
import './node.js';
import './share.js';
import './library.js';
import './collection-edits.js';

let schema: GraphQLSchema | undefined;

export function getSchema(): GraphQLSchema {
  schema ??= builder.toSchema();
  return schema;
}

/** The SDL committed as schema.graphql. */
export function printSchemaSDL(): string {
  return printSchema(lexicographicSortSchema(getSchema())) + '\n';
}
