# syntax=docker/dockerfile:1
# One image for every process role (api, worker, sink, migrate): the role is the command,
# e.g. `docker run covid-etl:local serve`. Node 24 runs the TypeScript sources directly (type
# stripping), so there is no build step; only production dependencies are installed.

FROM node:24-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

FROM node:24-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json ./
COPY src ./src
COPY migrations ./migrations
# The image's unprivileged user; nothing in /app needs to be written at run time.
USER node
EXPOSE 8000
ENTRYPOINT ["node", "src/cli/main.ts"]
CMD ["serve"]
