import express, { Express, NextFunction, Request, Response } from "express";
import type { LoggerInstance } from "moleculer";
import { asWorkStartedAt, type Db } from "../../../libs/db";
import { NotFoundError } from "../../../libs/errors";
import { httpRequestDuration, METRICS_CONTENT_TYPE, metricsText } from "../../../libs/metrics";
import type { Authenticator } from "./authenticate";
import { buildOpenApi } from "./openapi";
import { problemHandler } from "./problem-handler";
import { authRateLimits } from "./rate-limits";
import type { RouteDef } from "./route";
import { userConcurrency, UserConcurrencyLimits } from "./user-concurrency";
import { parsePart } from "./validate";
import { webClient } from "./web-client";

export const API_BASE = "/api/v1";

export interface AppOptions {
  routes: RouteDef[];
  /** Routes served outside the versioned base (health checks). */
  rootRoutes: RouteDef[];
  authenticator: Authenticator;
  logger: LoggerInstance;
  /** With `db`, the counters are shared by every gateway replica. */
  rateLimits: { perMinute: number; loginPerMinute: number; db?: Db };
  /** How many requests of one account run at once, and wait (user-concurrency.ts); unset, no turns are taken. */
  perAccount?: UserConcurrencyLimits;
  trustProxy?: string;
  version: string;
  /** While the process drains, responses close their connection so clients reconnect elsewhere. */
  isDraining: () => boolean;
  /** The built web client, served at `/` after the API and health routes. */
  webDir?: string;
  /** CalDAV (services/gateway/caldav), mounted at /dav before the JSON parser: its bodies are iCalendar and XML. */
  dav?: { router: express.Router; wellKnown: express.RequestHandler; tag: { name: string; description: string } };
}

/** Checks a Bearer token only when one is sent (a stream may instead carry a ticket). */
function optionalAuth(authenticator: Authenticator) {
  return (req: Request, res: Response, next: NextFunction) => (req.headers.authorization ? authenticator.middleware(req, res, next) : next());
}

/** Times every request under its route pattern (not its URL: ids would explode the label set). */
function timed(route: string) {
  return (req: Request, res: Response, next: NextFunction) => {
    const end = httpRequestDuration.startTimer({ method: req.method, route });
    res.once("finish", () => end({ status: String(res.statusCode) }));
    next();
  };
}

interface Guards {
  limits: ReturnType<typeof authRateLimits>;
  authenticator: Authenticator;
  /** Taking turns per account; not for raw routes, whose streams stay open (they have limits of their own). */
  turns?: express.RequestHandler;
}

function mount(router: express.Router, r: RouteDef, guards: Guards, base = ""): void {
  const handlers = [
    ...(r.raw ? [] : [timed(base + r.path)]),
    ...(r.rateLimit ? guards.limits[r.rateLimit] : []),
    ...(r.auth === true ? [guards.authenticator.middleware] : []),
    ...(r.auth === "optional" ? [optionalAuth(guards.authenticator)] : []),
    ...(r.raw || !guards.turns ? [] : [guards.turns]),
    async (req: Request, res: Response) => {
      const input = {
        body: parsePart("body", r.body, req.body),
        query: parsePart("query", r.query, req.query),
        params: parsePart("params", r.params, req.params),
        auth: res.locals.auth,
        header: (name: string) => req.get(name),
        req,
        res,
      };
      const reply = await r.handle(input as never);
      if (r.raw) return;
      for (const [name, value] of Object.entries(reply.headers ?? {})) res.setHeader(name, value);
      if (reply.json !== undefined) res.status(reply.status).type("application/json; charset=utf-8").send(reply.json);
      else if (reply.body === undefined) res.status(reply.status).end();
      else res.status(reply.status).json(reply.body);
    },
  ];
  router[r.method](r.path, ...handlers);
}

export function createApp(options: AppOptions): Express {
  const app = express();
  app.disable("x-powered-by");
  app.set("etag", false);
  if (options.trustProxy) app.set("trust proxy", options.trustProxy);
  app.use((_req: Request, res: Response, next: NextFunction) => {
    if (options.isDraining()) res.setHeader("connection", "close");
    // Embedded mode serves the oldest request's statements first (libs/db): a request's age is its arrival.
    asWorkStartedAt(performance.now(), next);
  });
  // Personal data must not linger in shared caches, and a JSON answer must never be sniffed into HTML.
  app.use(API_BASE, (_req: Request, res: Response, next: NextFunction) => {
    res.setHeader("X-Content-Type-Options", "nosniff");
    res.setHeader("Cache-Control", "no-store");
    next();
  });
  if (options.dav) {
    app.all("/.well-known/caldav", options.dav.wellKnown);
    app.use("/dav", options.dav.router);
  }
  // The raw bytes are kept for webhook signatures, which are computed over exactly what was sent.
  app.use(
    express.json({
      limit: "1mb",
      verify: (req, _res, buf) => {
        (req as { rawBody?: Buffer }).rawBody = buf;
      },
    }),
  );
  const guards: Guards = {
    limits: authRateLimits(options.rateLimits.perMinute, options.rateLimits.loginPerMinute, options.rateLimits.db),
    authenticator: options.authenticator,
    turns: options.perAccount && userConcurrency(options.perAccount),
  };

  const root = express.Router();
  root.get("/metrics", async (_req, res) => {
    res.type(METRICS_CONTENT_TYPE).set("cache-control", "no-store").send(await metricsText());
  });
  for (const r of options.rootRoutes) mount(root, r, guards);
  app.use(root);

  const api = express.Router();
  const openapi = buildOpenApi(options.routes, API_BASE, options.version, options.dav ? [options.dav.tag] : []);
  api.get("/openapi.json", (_req, res) => {
    res.json(openapi);
  });
  for (const r of options.routes) mount(api, r, guards, API_BASE);
  app.use(API_BASE, api);
  if (options.webDir) app.use(webClient(options.webDir));

  app.use((req: Request, _res: Response, next: NextFunction) => next(new NotFoundError(`no route ${req.method} ${req.path}`)));
  app.use(problemHandler(options.logger));
  return app;
}
