// Types for every GraphQL operation in src/, generated from the committed SDL
// (../graphql/schema.graphql). An operation the API no longer supports fails here,
// so `npm run build` breaks when the API changes under the app.
import type { CodegenConfig } from '@graphql-codegen/cli';

const config: CodegenConfig = {
  schema: '../graphql/schema.graphql',
  documents: ['src/**/*.{ts,tsx}', '!src/gql/**/*'],
  ignoreNoDocuments: false,
  errorsOnly: true,
  generates: {
    './src/gql/': {
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: {
        documentMode: 'string',
        enumsAsTypes: true,
        useTypeImports: true,
        strictScalars: true,
        scalars: { DateTime: 'string', NaiveDate: 'string' },
      },
    },
  },
};

export default config;
