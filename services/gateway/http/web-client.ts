import { existsSync } from "node:fs";
import path from "node:path";
import express, { NextFunction, Request, Response, Router } from "express";

/** Paths the client never answers, so an unknown API route stays a problem+json 404. */
const RESERVED = /^\/(?:api|health|metrics)(?:\/|$)/;

/** The hashed bundles Vite writes (`assets/index-3f9a1c.js`): safe to cache for good. */
const HASHED = /\/assets\//;

/**
 * Where `npm run build:web` writes the client: `web/dist` beside the nearest
 * package.json above this file, which is the repository both when run from source and
 * when compiled into `dist/`.
 */
export function defaultWebDir(from = __dirname): string {
  let dir = from;
  while (!existsSync(path.join(dir, "package.json"))) {
    const parent = path.dirname(dir);
    if (parent === dir) return path.resolve("web/dist");
    dir = parent;
  }
  return path.join(dir, "web", "dist");
}

/** The page may load only what it is served from here, and talk only to this origin. */
const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

function noCache(res: Response): void {
  res.setHeader("Cache-Control", "no-cache");
  res.setHeader("Content-Security-Policy", CSP);
}

/**
 * Serves the built single-page client: the files in `dir`, and `index.html` for any
 * other GET that is not an API or health path (the client routes on the URL). A build
 * made after start-up is picked up without a restart; without one, nothing is mounted
 * beyond a 404 and the caller logs a hint.
 */
export function webClient(dir: string): Router {
  const router = Router();
  const index = path.join(dir, "index.html");
  router.use(
    express.static(dir, {
      index: false,
      redirect: false,
      setHeaders: (res, file) => {
        res.setHeader("X-Content-Type-Options", "nosniff");
        if (HASHED.test(file.split(path.sep).join("/"))) res.setHeader("Cache-Control", "public, max-age=31536000, immutable");
        else noCache(res);
      },
    }),
  );
  router.use((req: Request, res: Response, next: NextFunction) => {
    if ((req.method !== "GET" && req.method !== "HEAD") || RESERVED.test(req.path)) return next();
    // A missing file (`/assets/old-hash.js`, `/favicon.ico`) is a 404, not the page.
    if (path.posix.extname(req.path) !== "" || !existsSync(index)) return next();
    noCache(res);
    res.setHeader("X-Content-Type-Options", "nosniff");
    res.sendFile(index, { cacheControl: false }, (err) => err && next(err));
  });
  return router;
}

export function hasWebClient(dir: string): boolean {
  return existsSync(path.join(dir, "index.html"));
}
