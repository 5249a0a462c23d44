import type { CodegenConfig } from '@graphql-codegen/cli';

// Types for the operations in src/**/*.graphql, checked against the gateway's committed schema, and
// the trusted-document manifest src/gql/persisted-documents.json (hash → document) that the gateway
// runs with GRAPHQL_TRUSTED_DOCUMENTS. Run `npm run codegen` after the schema or an operation changes.
const config: CodegenConfig = {
  schema: '../../schema.graphql',
  documents: ['src/**/*.graphql'],
  generates: {
    'src/gql/': {
      preset: 'client',
      config: {
        // DateTime is an ISO 8601 string on the wire.
        scalars: { DateTime: 'string' },
        enumsAsTypes: true,
        useTypeImports: true,
      },
      // Each document carries its SHA-256 as __meta__.hash; the client sends that, not the text.
      presetConfig: { fragmentMasking: false, persistedDocuments: true },
    },
  },
};

export default config;
