# syntax=docker/dockerfile:1
# The slicebatch daemon. Build: docker build -t slicebatch .   Run: see docs/deploy.md.
#
# Node 24 LTS on Debian 12 slim, pinned to the exact release (keep it inside package.json's
# "engines"). To pin the content too, append the index digest: node:24.21.0-bookworm-slim@sha256:...
ARG NODE_IMAGE=node:24.21.0-bookworm-slim

# ---- build: dev dependencies, TypeScript -> dist/ ----
# --ignore-scripts: the dev dependency `node` (Node 24 for a checkout's npm scripts) is not
# fetched; the image's own Node builds.
FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

# ---- runtime: production dependencies, dist/, tini ----
FROM ${NODE_IMAGE} AS runtime
# tini as PID 1: forwards SIGTERM/SIGINT to the daemon (which then drains) and reaps zombies.
RUN apt-get update \
    && apt-get install -y --no-install-recommends tini \
    && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
    && npm cache clean --force
COPY --from=build /src/dist ./dist
COPY config.example.json ./
# `slicebatch` on PATH (its shebang runs node with the daemon's flags), for CMD and docker exec.
RUN chmod 0755 dist/cli/main.js \
    && ln -s /app/dist/cli/main.js /usr/local/bin/slicebatch \
    && mkdir /data \
    && chown node:node /data

# The image's user `node` (uid 1000): a bind-mounted data folder must be writable by it, or
# run with --user "$(id -u):$(id -g)". A config.json mounted at /app/config.json is read.
USER node
VOLUME /data
# The daemon writes <data>/.slicebatch/heartbeat.json every 10 s; `health` checks it.
HEALTHCHECK --interval=30s --timeout=10s --start-period=60s --retries=3 \
    CMD ["node", "/app/dist/cli/main.js", "health", "--data-dir", "/data"]
# On SIGTERM the daemon drains within daemon.stop_timeout_ms (60 s by default): stop it with
# `docker stop -t 90` / `docker run --stop-timeout 90` / compose `stop_grace_period: 90s`.
STOPSIGNAL SIGTERM
ENTRYPOINT ["tini", "--"]
CMD ["slicebatch", "run", "--data-dir", "/data"]
