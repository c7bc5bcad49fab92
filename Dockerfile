# syntax=docker/dockerfile:1
# One image for every service: SERVICES picks what a container runs (docker-compose.yml, k8s/).
# Without NATS_URL and DATABASE_URL it runs everything embedded, with its data in /data:
#   docker run -p 3000:3000 -v todogenie:/data todogenie
ARG NODE_IMAGE=node:22-bookworm-slim

# --- build: every dependency, TypeScript compiled to dist/
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY libs ./libs
COPY services ./services
COPY web ./web
RUN npm run build && npm run build:web

# --- production dependencies only (no native addons: nothing to compile)
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

# --- runtime: compiled JavaScript, owned by root, run as the unprivileged node user (uid 1000)
FROM ${NODE_IMAGE}
ENV NODE_ENV=production \
    DATA_DIR=/data
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/web/dist ./web/dist
COPY package.json ./
RUN mkdir -p /data && chown 1000:1000 /data
# Numeric, so Kubernetes' runAsNonRoot can verify it.
USER 1000:1000
# 3000: the public API (gateway); 3001: /health/live and /health/ready (every process).
EXPOSE 3000 3001
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=3 \
    CMD ["node", "dist/src/healthcheck.js"]
# node is PID 1 and handles SIGTERM itself: readiness 503, drain, then exit (src/main.ts).
STOPSIGNAL SIGTERM
# A young generation of up to 64 MB a semi-space (V8's default is 16): a list page allocates its
# rows, DTOs and JSON, and with the default a tenth of the tasks service's time under load went to
# scavenges, the largest single cost in its profile. 14-17 % more requests a second at 1M tasks for
# ~100-150 MB more RSS under load, ~30 MB idle (bench/RESULTS.md).
# Kept equal to package.json's start:prod (test/deploy/image.test.ts).
CMD ["node", "--enable-source-maps", "--max-semi-space-size=64", "dist/src/main.js"]
