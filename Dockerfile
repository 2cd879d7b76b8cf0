# DCI CRM Companion: the receiver as a container. docs/deploy.md says how to build, run and check it.
#
#   docker build -t dci-companion .
#   docker run --read-only --tmpfs /tmp -v dci-data:/data -p 8080:8080 -p 127.0.0.1:8081:8081 \
#     --env-file receiver.env dci-companion
#
# Build stage: every dependency (the compiler too), then the release folder that scripts/stageRelease.js makes:
# dist/, views/, bin/, package.json, package-lock.json and production dependencies only. Building here, on the same
# Debian release as the runtime image, compiles better-sqlite3's native binding for the runtime's glibc.
FROM node:20-bookworm AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build && node scripts/stageRelease.js /release

# Runtime stage: the release folder, Node and nothing else; runs as the unprivileged user `node` (uid 1000).
FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    DATA_DIR=/data \
    HOST=0.0.0.0 \
    PORT=8080 \
    ADMIN_HOST=0.0.0.0 \
    ADMIN_PORT=8081
WORKDIR /opt/dci-companion
COPY --from=build --chown=root:root /release/ ./
# The only folder the receiver writes (SQLite and its WAL); the root file system can be read-only.
RUN mkdir -p /data && chown node:node /data
VOLUME ["/data"]
USER node
# 8080: DCI's and Lime's webhooks and /healthz (public, behind the TLS proxy). 8081: the admin pages, /metrics and
# /readyz (publish on 127.0.0.1 or an internal network only).
EXPOSE 8080 8081
# The slim image has no curl: Node's fetch asks /readyz on the admin listener (PORT's when ADMIN_PORT is empty).
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.ADMIN_PORT || process.env.PORT || 8080) + '/readyz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# The receiver stops claiming, lets deliveries in flight finish (10 s), closes the database: give it 30 s
# (`docker stop -t 30`, compose's stop_grace_period).
STOPSIGNAL SIGTERM
# Node directly as PID 1 (no npm, no shell), so SIGTERM reaches the receiver; the flag is package.json's
# config.receiverNodeFlags.
CMD ["node", "--max-semi-space-size=32", "dist/receiver/main.js"]
