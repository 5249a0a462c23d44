import type { ObjectRef } from '@pothos/core';
import type { PageLimits } from '../domain/limits.js';
import type { Page } from '../domain/pagination.js';
import { builder } from './builder.js';

export interface PageInfoShape {
  hasNextPage: boolean;
  hasPreviousPage: boolean;
  startCursor: string | null;
  endCursor: string | null;
}

export interface ConnectionShape<Edge extends { cursor: string }> {
  edges: Edge[];
  pageInfo: PageInfoShape;
}

const PageInfo = builder.pageInfoRef();

/** The sentence a connection field's description ends with, from the domain's page limits. */
export const pageSizes = (limits: PageLimits) =>
  `Pages of ${limits.defaultSize} by default, \`first\`/\`last\` at most ${limits.maxSize} (more is VALIDATION_ERROR).`;

/** A Relay connection type over edges that may carry fields of their own (position, savedAt, …). */
export function connectionType<Edge extends { cursor: string }>(
  name: string,
  // biome-ignore lint/suspicious/noExplicitAny: any parent shape; the connection reads only its edges.
  edge: ObjectRef<any, Edge>,
  description: string,
) {
  return builder.objectRef<ConnectionShape<Edge>>(name).implement({
    description,
    fields: (t) => ({
      edges: t.field({ type: [edge], resolve: (c) => c.edges }),
      pageInfo: t.field({ type: PageInfo, resolve: (c) => c.pageInfo }),
    }),
  });
}

export function toConnection<Item, Edge extends { cursor: string }>(
  page: Pick<Page<Item>, 'items' | 'hasNextPage' | 'hasPreviousPage'>,
  toEdge: (item: Item) => Edge,
): ConnectionShape<Edge> {
  const edges = page.items.map(toEdge);
  return {
    edges,
    pageInfo: {
      hasNextPage: page.hasNextPage,
      hasPreviousPage: page.hasPreviousPage,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
  };
}
