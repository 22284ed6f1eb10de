# syntax=docker/dockerfile:1
# accrue: one image, every process (api, relay, worker, migrate) chosen by command.
# Node 24 runs the TypeScript sources directly (type stripping): no build output.

FROM node:24-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# Production dependencies only. embedded-postgres is optional and left out: in a
# container accrue talks to the DATABASE_URL server, and without one any command
# stops with one line, "accrue: DATABASE_URL is not set and embedded Postgres is not
# installed ...", exit 2 (a setting to change).
RUN npm ci --omit=dev --omit=optional --ignore-scripts --no-audit --no-fund

FROM node:24-bookworm-slim AS runtime
# ACCRUE_OPS_PORT: /livez, /readyz and /metrics of every process (api, relay, worker)
# on their own port; each container has its own network, so one fixed value never
# collides. The API keeps /livez and /readyz on PORT too; /metrics leaves it.
ENV NODE_ENV=production \
    PORT=3000 \
    ACCRUE_OPS_PORT=9464 \
    ACCRUE_DATA_DIR=/var/lib/accrue \
    ACCRUE_LOG_PRETTY=false
WORKDIR /app
# notifications/: where compose mounts a volume for the file channel (owned by node,
# so a fresh named volume mounted there is writable).
RUN mkdir -p /var/lib/accrue/notifications && chown -R node:node /var/lib/accrue
COPY --from=deps --chown=node:node /app/node_modules ./node_modules
COPY --chown=node:node package.json ./
COPY --chown=node:node bin ./bin
COPY --chown=node:node src ./src
COPY --chown=node:node migrations ./migrations
USER node
EXPOSE 3000 9464
# Probes: GET /livez (process answers) and GET /readyz (database, migrations, pg-boss)
# on the ops port, which every process serves (relay and worker serve nothing on PORT).
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.ACCRUE_OPS_PORT||process.env.PORT||3000)+'/readyz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
ENTRYPOINT ["node", "bin/accrue.js"]
# `start` (api + relay + worker in one process) needs DATABASE_URL in this image.
CMD ["start"]
