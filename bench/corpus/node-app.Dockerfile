# syntax=docker/dockerfile:1.7
# Production image for a Node.js web service, built in three stages.

ARG NODE_VERSION=20.11.1
ARG ALPINE_VERSION=3.19

FROM node:${NODE_VERSION}-alpine${ALPINE_VERSION} AS base
WORKDIR /usr/src/app
ENV NODE_ENV=production \
    NPM_CONFIG_LOGLEVEL=warn \
    NPM_CONFIG_FUND=false \
    NPM_CONFIG_AUDIT=false
RUN apk add --no-cache tini dumb-init ca-certificates \
 && addgroup -S app && adduser -S -G app app

# Install every dependency, including the ones only the build needs.
FROM base AS deps
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm,sharing=locked \
    npm ci --include=dev

FROM deps AS build
COPY tsconfig.json ./
COPY src ./src
COPY public ./public
RUN npm run build \
 && npm prune --omit=dev \
 && rm -rf src tsconfig.json

FROM base AS runtime
LABEL org.opencontainers.image.title="web-service" \
      org.opencontainers.image.description="The public web API" \
      org.opencontainers.image.source="https://example.com/acme/web-service" \
      org.opencontainers.image.licenses="Apache-2.0"
COPY --from=build --chown=app:app /usr/src/app/node_modules ./node_modules
COPY --from=build --chown=app:app /usr/src/app/dist ./dist
COPY --from=build --chown=app:app /usr/src/app/package.json ./
USER app
EXPOSE 3000/tcp
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD wget -qO- http://127.0.0.1:3000/healthz || exit 1
STOPSIGNAL SIGTERM
ENTRYPOINT ["/sbin/tini", "--"]
CMD ["node", "--enable-source-maps", "dist/server.js"]
