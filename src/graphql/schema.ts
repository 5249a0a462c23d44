import { GraphQLSchema, lexicographicSortSchema, printSchema } from 'graphql';
import { COST_WEIGHTS } from '../domain/cost.js';
import { OPERATION_COST_LIMIT } from '../domain/limits.js';
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

/** What the schema says of itself; clients read the cost report's fields here. */
const DESCRIPTION = `Tracks and collections owned by users inside organizations.

Every response carries \`extensions.cost\`:
- \`requestedCost\`: what the operation costs, computed before anything runs from the sizes it asks for as they will run (variables, literals, and the default a page takes when its size is omitted). Nested pages multiply; aliases, fragments, @include and @skip count as they execute. One point per value of the answer, ${COST_WEIGHTS.row} per row of a page, more for reads, writes and batch items (docs/limits.md). Null when the operation was not costed (it did not validate).
- \`limit\`: the most one operation may cost (${OPERATION_COST_LIMIT} unless the operator set GRAPHQL_COST_LIMIT). A costlier one is refused with QUERY_LIMIT_EXCEEDED, its cost and the limit in \`details\`, before any field resolves.
- \`budget\`: \`maximum\`, \`remaining\` and \`restorePerSecond\` of your key's cost budget, which every operation is charged from; null when budgets are off or no key was sent. A spent budget is RATE_LIMIT_EXCEEDED with Retry-After.`;

export function getSchema(): GraphQLSchema {
  schema ??= new GraphQLSchema({ ...builder.toSchema().toConfig(), description: DESCRIPTION });
  return schema;
}

/** The SDL committed as schema.graphql. */
export function printSchemaSDL(): string {
  return `${printSchema(lexicographicSortSchema(getSchema()))}\n`;
}
