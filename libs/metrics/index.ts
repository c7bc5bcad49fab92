import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";

/**
 * The process's Prometheus metrics, in one registry: `GET /metrics` on the gateway's port and
 * on every process's health port. In embedded mode one scrape shows every service.
 */
export const registry = new Registry();
collectDefaultMetrics({ register: registry, prefix: "todogenie_" });

export const httpRequestDuration = new Histogram({
  name: "todogenie_http_request_duration_seconds",
  help: "Public API request latency, by method, route and status",
  labelNames: ["method", "route", "status"] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  registers: [registry],
});

export const reminderLag = new Histogram({
  name: "todogenie_reminder_lag_seconds",
  help: "How late a reminder fired after its time",
  buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 15, 60, 300, 3600],
  registers: [registry],
});

export const deliveries = new Counter({
  name: "todogenie_deliveries_total",
  help: "Notification deliveries, by channel and the status they reached",
  labelNames: ["channel", "status"] as const,
  registers: [registry],
});

export const METRICS_CONTENT_TYPE = registry.contentType;

export function metricsText(): Promise<string> {
  return registry.metrics();
}

export const deadLettersTotal = new Counter({
  name: "todogenie_dead_letters_total",
  help: "Channel messages a consumer gave up on after its retries and recorded as dead letters (npm run dead-letters -- list)",
  labelNames: ["channel", "group"] as const,
  registers: [registry],
});

export const outboxBacklogRows = new Gauge({
  name: "todogenie_outbox_backlog_rows",
  help: "Outbox rows waiting to be published, by service schema, as the relay last saw them",
  labelNames: ["schema"] as const,
  registers: [registry],
});

export const outboxOldestAge = new Gauge({
  name: "todogenie_outbox_oldest_age_seconds",
  help: "Age of the oldest outbox row waiting to be published, by service schema (0 when none waits)",
  labelNames: ["schema"] as const,
  registers: [registry],
});

export const webhookDeliveries = new Counter({
  name: "todogenie_webhook_deliveries_total",
  help: "Outbound webhook delivery attempts, by outcome: succeeded, retrying (failed, will retry), failed (for good), dropped (the subscriber lost access)",
  labelNames: ["status"] as const,
  registers: [registry],
});
