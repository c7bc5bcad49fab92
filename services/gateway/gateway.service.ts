import type { Server } from "node:http";
import type { ServiceBroker, ServiceSchema } from "moleculer";
import { startRelay } from "../../libs/broker";
import { call, eventHandlers } from "../../libs/broker/bus";
import type { Clock } from "../../libs/clock";
import type { Config } from "../../libs/config";
import { passwordProblems } from "./auth/password-policy";
import { CursorCodec } from "../../libs/task-query";
import { registerInput } from "../../libs/contracts";
import type { StreamEndpoint } from "../../libs/contracts/streams";
import type { Db } from "../../libs/db";
import { migrateSchema } from "../../libs/db/migrate";
import { closeHttpServer, Lifecycle } from "../../libs/lifecycle";
import type { OutboxProbeOptions } from "../../libs/health";
import type { OutboxRelay } from "../../libs/outbox";
import { verifyPassword } from "./auth/passwords";
import { PhoneVerifications } from "./auth/phone-verification";
import { TokenService } from "./auth/token-service";
import { PersonalTokens } from "./auth/personal-tokens";
import { UserStore } from "./auth/user-store";
import { createApp } from "./http/app";
import { createAuthenticator } from "./http/authenticate";
import { defaultWebDir, hasWebClient } from "./http/web-client";
import { AUTH_SCHEMA, migrations } from "./migrations";
import { authRoutes } from "./routes/auth.routes";
import type { GatewayContext } from "./routes/context";
import { healthRoutes } from "./routes/health.routes";
import { notificationRoutes } from "./routes/notifications.routes";
import { invitationRoutes } from "./routes/invitations.routes";
import { projectRoutes } from "./routes/projects.routes";
import { taskRoutes } from "./routes/tasks.routes";
import { historyRoutes } from "./routes/history.routes";
import { commentRoutes } from "./routes/comments.routes";
import { webhookRoutes } from "./routes/webhooks.routes";
import { outboundWebhookRoutes } from "./routes/outbound-webhooks.routes";
import { tokenRoutes } from "./routes/tokens.routes";
import { syncRoutes } from "./routes/sync.routes";
import { exportRoutes } from "./routes/export.routes";
import { importRoutes } from "./routes/imports.routes";
import { accountRoutes } from "./routes/account.routes";
import { davRouter, wellKnownCaldav } from "./caldav/dav";
import { CALDAV_TAG } from "./caldav/openapi-doc";

export interface GatewayServiceDeps {
  db: Db;
  config: Config;
  clock: Clock;
  version: string;
  /** The notification stream handler, when notify runs in this process. */
  streams: StreamEndpoint;
  /** The process's lifecycle: readiness reads it, and shutdown drains the HTTP server through it. */
  lifecycle: Lifecycle;
  /** Called once the HTTP server listens, with its address. */
  onListening?: (url: string) => void;
  /** The outboxes of this process, which the public readiness watches as the health port does. */
  outbox?: OutboxProbeOptions;
}

export function gatewayService({ db, config, clock, version, streams, lifecycle, onListening, outbox }: GatewayServiceDeps): ServiceSchema {
  let server: Server | undefined;
  let relay: OutboxRelay | undefined;
  const users = new UserStore(db, clock, () => relay?.kick());
  const phoneVerifications = new PhoneVerifications(db, clock, config.jwtSecret, () => relay?.kick());
  const tokens = new TokenService(db, clock, {
    secret: config.jwtSecret,
    accessTtlSeconds: config.accessTokenTtlSeconds,
    refreshTtlDays: config.refreshTokenTtlDays,
  });
  let broker: ServiceBroker | undefined;
  const personalTokens = new PersonalTokens(db, clock);
  const authenticator = createAuthenticator(
    users,
    clock,
    config.jwtSecret,
    (userId) => call(broker!, "projects.memberships", { userId }),
    personalTokens,
  );

  return {
    name: "gateway",
    created() {
      broker = this.broker;
    },
    events: eventHandlers({
      /** An account or memberships changed elsewhere: drop what this gateway kept of those users now. */
      "gateway.callersChanged": ({ userIds }) => userIds.forEach((id) => authenticator.forget(id)),
    }),
    async started() {
      // Announcements of changed callers may have passed a gateway cut off from the bus.
      this.broker.localBus.on("$transporter.connected", ({ wasReconnect }: { wasReconnect: boolean }) => {
        if (wasReconnect) authenticator.forgetEveryone();
      });
      await migrateSchema(db, AUTH_SCHEMA, migrations);
      relay = startRelay(this, db, AUTH_SCHEMA, config, clock);
      await ensureFirstAdmin(users, config, this.logger);
      const webDir = config.webDir ?? defaultWebDir();
      if (!hasWebClient(webDir)) this.logger.warn(`no web client in ${webDir}: \`npm run build:web\` builds it (or set WEB_DIR); the API works without it`);
      const ctx: GatewayContext = {
        broker: this.broker,
        db,
        clock,
        users,
        phoneVerifications,
        tokens,
        personalTokens,
        cursors: new CursorCodec(config.cursorSecret, clock),
        forgetUser: (id) => authenticator.forget(id),
        lifecycle,
        outbox,
      };
      const app = createApp({
        routes: [...authRoutes(ctx), ...taskRoutes(ctx), ...projectRoutes(ctx), ...invitationRoutes(ctx), ...notificationRoutes(ctx, streams), ...webhookRoutes(ctx), ...outboundWebhookRoutes(ctx), ...historyRoutes(ctx), ...commentRoutes(ctx), ...tokenRoutes(ctx), ...syncRoutes(ctx), ...exportRoutes(ctx), ...importRoutes(ctx, config.imports.maxBytes), ...accountRoutes(ctx, () => relay?.kick())],
        rootRoutes: healthRoutes(ctx),
        authenticator,
        logger: this.logger,
        rateLimits: { perMinute: config.authRateLimitPerMinute, loginPerMinute: config.loginRateLimitPerMinute, db },
        // Embedded mode's one database session already serves the oldest request first, whoever
        // sent it; turns taken in front of it made its tail worse (bench/RESULTS.md).
        perAccount: config.mode === "distributed" ? config.perAccount : undefined,
        trustProxy: config.trustProxy,
        version,
        isDraining: () => lifecycle.draining,
        webDir,
        dav: { router: davRouter(ctx), wellKnown: wellKnownCaldav, tag: CALDAV_TAG },
      });
      const listening = await new Promise<Server>((resolve, reject) => {
        const s = app.listen(config.port, config.host, () => resolve(s)).once("error", reject);
      });
      server = listening;
      // Event streams stay open for hours; Node's default would cut them after five minutes.
      listening.requestTimeout = 0;
      // On SIGTERM, after the drain delay: stop accepting, let in-flight requests finish, before the broker stops.
      lifecycle.onDrain(() => closeHttpServer(listening, config.shutdownTimeoutMs));
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : config.port;
      const url = `http://${config.host === "0.0.0.0" ? "localhost" : config.host}:${port}`;
      this.logger.info(`Todogenie API listening on ${url}/api/v1`);
      onListening?.(url);
    },
    async stopped() {
      // Already closed when the process drained first; this covers a broker stopped on its own.
      if (server) await closeHttpServer(server, config.shutdownTimeoutMs);
      await relay?.stop();
    },
  };
}

/** ADMIN_EMAIL/ADMIN_PASSWORD create the first admin; an existing account is promoted only by its own password. */
async function ensureFirstAdmin(users: UserStore, config: Config, logger: { info: (m: string) => void; warn: (m: string) => void }) {
  if (!config.admin) return;
  const existing = await users.findByEmail(config.admin.email);
  if (!existing) {
    // The operator chose it, and refusing to boot over it would lock them out: a warning, not a refusal.
    // Later, not awaited: loading the dictionaries takes seconds of CPU, which during boot
    // starves the other services' migrations past their connection timeout.
    const check = () =>
      passwordProblems(config.admin!.password, [config.admin!.email]).then(
        (weak) => weak.length && logger.warn("ADMIN_PASSWORD is too easy to guess (see the password policy in the README); choose a stronger one"),
        () => undefined,
      );
    setTimeout(check, 10_000).unref();
    const input = registerInput.parse({ email: config.admin.email, password: config.admin.password, name: "Administrator" });
    try {
      await users.create(input, ["member", "admin"]);
      logger.info(`created admin ${config.admin.email}`);
    } catch (err) {
      // Another gateway replica created it first.
      if ((err as { type?: string }).type !== "CONFLICT") throw err;
    }
    return;
  }
  if (existing.roles.includes("admin")) return;
  if (await verifyPassword(config.admin.password, existing.password_hash)) {
    await users.administer(existing.id, existing.id, { roles: ["member", "admin"] });
    logger.info(`promoted ${config.admin.email} to admin`);
  } else {
    logger.warn(`ADMIN_EMAIL ${config.admin.email} belongs to a member whose password differs from ADMIN_PASSWORD; not promoted`);
  }
}
