# syntax=docker/dockerfile:1

# Build: all dependencies, compile the packages and the service (tsc -b, project
# references), then keep production dependencies only. The Node.js release is the one
# in .node-version, as in CI.
FROM node:24.21.0-bookworm-slim AS build
WORKDIR /app
# npm ci needs every workspace's package.json before the sources.
COPY package.json package-lock.json ./
COPY libs/problem/package.json ./libs/problem/
COPY libs/auth/package.json ./libs/auth/
COPY libs/database/package.json ./libs/database/
COPY libs/sessions/package.json ./libs/sessions/
COPY libs/ops/package.json ./libs/ops/
COPY libs/signals/package.json ./libs/signals/
COPY libs/sessions-client/package.json ./libs/sessions-client/
COPY libs/gateway/package.json ./libs/gateway/
COPY apps/session-service/package.json ./apps/session-service/
RUN npm ci --no-audit --no-fund
COPY tsconfig.base.json ./
COPY apps ./apps
COPY libs ./libs
RUN npm run build && npm prune --omit=dev

# Run: production dependencies, the compiled packages (node_modules/@session-service/*
# link to libs/*) and the service, as the unprivileged node user.
FROM node:24.21.0-bookworm-slim
# The API on PORT; /metrics and the health probes on MANAGEMENT_PORT only (publish
# 3000 to clients, keep 9000 for the orchestrator and Prometheus). API docs are off
# in production unless API_DOCS_ENABLED=true.
ENV NODE_ENV=production \
    PORT=3000 \
    MANAGEMENT_PORT=9000
WORKDIR /app
COPY --from=build --chown=node:node /app/package.json ./
COPY --from=build --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/libs ./libs
# The service's workspace whole: dist, package.json, and the dependencies npm could not
# hoist to the root (apps/session-service/node_modules).
COPY --from=build --chown=node:node /app/apps/session-service ./apps/session-service
USER node
EXPOSE 3000 9000
# With NODE_ENV=production the service refuses to start without DATABASE_URL and a
# token key: JWT_SECRET, JWT_PUBLIC_KEY, JWT_JWKS_URL or JWT_OIDC_ISSUER. The health
# check calls 127.0.0.1: keep HOST at its default (0.0.0.0) in the container.
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.MANAGEMENT_PORT||9000)+'/health/live').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# SIGTERM drains and exits 0 (see SHUTDOWN_DRAIN_MS and SHUTDOWN_TIMEOUT_MS); node runs as PID 1 here,
# so the service installs its own signal handlers.
STOPSIGNAL SIGTERM
# As `npm start`. To hold the resident size near 140 MiB (at some cost in throughput and p99;
# see docs/performance.md), run with
# NODE_OPTIONS="--max-semi-space-size=4 --max-old-space-size=160".
CMD ["node", "apps/session-service/dist/main.js"]
