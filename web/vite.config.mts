import { defineConfig } from "vite";

/**
 * The web client: `vite build web` writes `web/dist`, which the gateway serves at `/`.
 * `vite web` is a dev server with hot reload that forwards the API to a running
 * `npm start` (API_TARGET, default http://localhost:3000).
 */
const api = process.env.API_TARGET ?? "http://localhost:3000";

export default defineConfig({
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2022",
    sourcemap: true,
    // The recurrence engine (rrule.js, luxon) is shared with the server and loads with the app.
    chunkSizeWarningLimit: 400,
  },
  server: {
    proxy: { "/api": { target: api, changeOrigin: false }, "/health": api },
    // The client imports pure modules from ../libs (recurrence math shared with the server).
    fs: { allow: [".."] },
  },
});
