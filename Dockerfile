# syntax=docker/dockerfile:1
# One image for every process role (api, worker, sink, migrate): the role is the command,
# e.g. `docker run covid-etl:local serve`. Node 24 runs the TypeScript sources directly (type
# stripping); the one build step is the dashboard (src/web -> dist/web, with the dev
# dependencies esbuild and uPlot), and only production dependencies go into the image.

FROM node:24-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

FROM node:24-slim AS web
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY src/web ./src/web
RUN npm run build:web

FROM node:24-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json ./
COPY src ./src
COPY --from=web /app/dist/web ./dist/web
COPY migrations ./migrations
# The image's unprivileged user; nothing in /app needs to be written at run time.
USER node
EXPOSE 8000
ENTRYPOINT ["node", "src/cli/main.ts"]
CMD ["serve"]
