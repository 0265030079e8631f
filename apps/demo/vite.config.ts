import react from '@vitejs/plugin-react'
import { defineConfig } from 'vite'

// The page lives in src/web and builds to dist/web, which the demo server serves.
// `npx vite` serves it with hot reload, proxying the API and Likewire to a running `npm start`.
export default defineConfig({
  root: 'src/web',
  plugins: [react()],
  build: { outDir: '../../dist/web', emptyOutDir: true, target: 'es2022' },
  server: {
    proxy: {
      // with the slash: '/api' alone would also proxy the page's own module /api.ts
      '/api/': 'http://localhost:3000',
      '/realtime/': 'http://localhost:3000',
    },
  },
})
