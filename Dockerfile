# syntax=docker/dockerfile:1
# stackone-lms-mcp as a stateless Streamable HTTP server (MCP at :3000/mcp, probes at /healthz and /readyz).
#
#   docker build -t stackone-lms-mcp .
#   docker run --rm -p 3000:3000 stackone-lms-mcp
#
# With STACKONE_API_KEY set and a non-loopback MCP_HOST (0.0.0.0 here) the server refuses to start unless
# MCP_AUTH_TOKEN is set too (clients then send `Authorization: Bearer <token>`), or OAuth sign-in is configured
# with MCP_OAUTH_ISSUER and MCP_RESOURCE_URL (see README, "Sign-in with OAuth"). Requests reaching the server
# under another name than localhost/127.0.0.1 need that name in MCP_ALLOWED_HOSTS.
#
#   docker run --rm -p 3000:3000 -e STACKONE_API_KEY=... \
#     -e MCP_OAUTH_ISSUER=https://login.example.com/ -e MCP_RESOURCE_URL=https://mcp.example.com/mcp \
#     -e MCP_ALLOWED_HOSTS=mcp.example.com stackone-lms-mcp
#
# Audit lines (one per write) go to stderr with the logs unless MCP_AUDIT_LOG names a file on a mounted volume.
# Traces and metrics: the image carries only @opentelemetry/api; to export, add @opentelemetry/sdk-node in a
# derived image and set NODE_OPTIONS=--import plus the OTEL_* variables (README, "Telemetry"). This Node 20 image
# needs sdk-node 0.223; sdk-node 0.300+ needs a node:22 (>= 22.15) base.

# ---------------------------------------------------------------- build: compile TypeScript to dist/
FROM node:20-bookworm-slim AS build
WORKDIR /app
# Dependencies first, for layer caching. --ignore-scripts: the package's `prepare` script runs the build,
# which cannot work before the sources are copied; the explicit `npm run build` below does it instead.
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts/build.mjs scripts/bundle.mjs scripts/undici-lite.cjs ./scripts/
COPY src ./src
RUN npm run build

# ---------------------------------------------------------------- runtime: production dependencies and dist/
FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts again: `prepare` would try to build with dev dependencies that are not installed here.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
  && npm cache clean --force
COPY --from=build /app/dist ./dist

ENV MCP_TRANSPORT=http \
    MCP_HOST=0.0.0.0 \
    MCP_PORT=3000 \
    MCP_AUDIT_LOG=stderr
EXPOSE 3000

# The image's unprivileged `node` user, by number so Kubernetes' runAsNonRoot can verify it.
USER 1000:1000

# No curl in slim images: node's own fetch. /healthz is answered whatever the Host header.
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.MCP_PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]

# The server handles SIGTERM itself: readyz turns 503, in-flight calls get up to the request timeout to finish.
ENTRYPOINT ["node", "dist/index.js"]
