import type { CodegenConfig } from '@graphql-codegen/cli';

// Types for the operations in src/**/*.graphql, checked against the gateway's committed schema.
// Run `npm run codegen` after the schema or an operation changes.
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
      presetConfig: { fragmentMasking: false },
    },
  },
};

export default config;
