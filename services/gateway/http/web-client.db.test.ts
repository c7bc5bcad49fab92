import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import type { Server } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import express from "express";
import { defaultWebDir, hasWebClient, webClient } from "./web-client";

let dir: string;
let server: Server;
let base: string;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "web-client-"));
  mkdirSync(path.join(dir, "assets"));
  writeFileSync(path.join(dir, "index.html"), "<!doctype html><title>Todogenie</title>");
  writeFileSync(path.join(dir, "assets", "index-3f9a1c.js"), "console.log(1)");
  writeFileSync(path.join(dir, "favicon.svg"), "<svg/>");
  const app = express();
  app.get("/api/v1/known", (_req, res) => void res.json({ ok: true }));
  app.use(webClient(dir));
  app.use((_req, res) => void res.status(404).json({ title: "Not found" }));
  server = await new Promise((resolve) => {
    const s = app.listen(0, "127.0.0.1", () => resolve(s));
  });
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

describe("the web client's files", () => {
  it("serves index.html at / and for client routes, never cached, under a strict CSP", async () => {
    for (const url of ["/", "/inbox", "/settings", "/some/deep/link?x=1"]) {
      const res = await fetch(base + url);
      expect(res.status).toBe(200);
      expect(await res.text()).toContain("<title>Todogenie</title>");
      expect(res.headers.get("cache-control")).toBe("no-cache");
      expect(res.headers.get("content-security-policy")).toContain("script-src 'self'");
    }
  });

  it("caches hashed bundles for good, other files not", async () => {
    const js = await fetch(`${base}/assets/index-3f9a1c.js`);
    expect(js.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    expect(js.headers.get("content-type")).toContain("javascript");
    expect((await fetch(`${base}/favicon.svg`)).headers.get("cache-control")).toBe("no-cache");
  });

  it("leaves API, health and missing files to the 404 handler", async () => {
    expect((await fetch(`${base}/api/v1/known`)).status).toBe(200);
    for (const url of ["/api/v1/unknown", "/api", "/health/nope", "/metrics", "/assets/index-old.js", "/favicon.ico"]) {
      const res = await fetch(base + url);
      expect([url, res.status, res.headers.get("content-type")]).toEqual([url, 404, expect.stringContaining("json")]);
    }
    expect((await fetch(`${base}/`, { method: "POST" })).status).toBe(404);
  });

  it("finds web/dist from the source tree, and says when nothing is built", () => {
    expect(defaultWebDir()).toBe(path.resolve(__dirname, "../../../web/dist"));
    expect(hasWebClient(path.join(dir, "nowhere"))).toBe(false);
    expect(hasWebClient(dir)).toBe(true);
  });
});
