// Builds the dashboard into web/dashboard/dist, served by the app under /app (web/admin/dashboard-pages.ts).
// Everything is bundled: no CDN at run time (App Bridge's script is added by the server only when the
// page runs embedded in the Shopify admin).
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig(({ command }) => {
  // A build is always a production bundle, even under NODE_ENV=test (the browser test builds it):
  // Vite and the React plugin choose development JSX from NODE_ENV, which they read after this runs.
  if (command === 'build') process.env.NODE_ENV = 'production';
  return {
    root,
    base: '/app/',
    plugins: [react()],
    logLevel: 'warn',
    build: { outDir: 'dist', emptyOutDir: true, sourcemap: false, chunkSizeWarningLimit: 2000 },
  };
});
