import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { CollectionsPageDocument, CreateCollectionDocument } from './gql/graphql';

/**
 * One POST to the gateway; the document's types fix both the variables and the result. Only the
 * document's id travels (GraphQL over HTTP's `documentId`): the gateway knows the text from
 * src/gql/persisted-documents.json, the manifest it runs with GRAPHQL_TRUSTED_DOCUMENTS.
 */
export async function request<Result, Variables>(
  endpoint: string,
  key: string,
  document: TypedDocumentNode<Result, Variables>,
  variables: Variables,
): Promise<Result> {
  const { hash } = (document as unknown as { __meta__: { hash: string } }).__meta__;
  const res = await fetch(endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': key },
    body: JSON.stringify({ documentId: hash, variables }),
  });
  const body = (await res.json()) as { data?: Result; errors?: { message: string; extensions: { code: string } }[] };
  if (body.errors?.length) throw new Error(`${body.errors[0]!.extensions.code}: ${body.errors[0]!.message}`);
  return body.data!;
}

// Usage: every field below is typed; a typo or a wrong variable fails `npm run typecheck`.
export async function example(endpoint: string, key: string, organizationId: string) {
  const created = await request(endpoint, key, CreateCollectionDocument, {
    organizationId,
    input: { name: 'Focus Sessions' },
  });
  const page = await request(endpoint, key, CollectionsPageDocument, { organizationId });
  const names: string[] = page.collections.edges.map((edge) => `${edge.node.name} (${edge.node.trackCount})`);
  return { id: created.createCollection.id, version: created.createCollection.version, names };
}
