import { defineConfig } from 'vitest/config';
import react from '@vitejs/plugin-react';

export default defineConfig({
  plugins: [react()],
  build: {
    // Every asset is a file of this origin: the Content-Security-Policy allows no data: URLs.
    assetsInlineLimit: 0,
    target: 'es2022',
    sourcemap: false,
  },
  server: {
    // The seed data (county boundaries, the town gazetteer) lives in ../seed-data.
    fs: { allow: ['..'] },
    proxy: {
      '/graphql': 'http://127.0.0.1:8080',
      '/session': 'http://127.0.0.1:8080',
      '/exports': 'http://127.0.0.1:8080',
    },
  },
  test: {
    include: ['tests/**/*.test.ts'],
    environment: 'node',
  },
});
