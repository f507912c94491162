# One image for both roles: `api` and `worker` (see docker-compose.yml).
# Build stage: compile the TypeScript once (`npm run build` → dist/), on the Node these machines test with.
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

# Run stage: the compiled JavaScript on the current Node LTS, production dependencies only.
FROM node:24-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY bin ./bin
COPY templates ./templates
COPY migrations ./migrations
COPY fixtures ./fixtures

# A worker's live heap is ~60 MB; with V8's default limit the heap grows to ~170 MB between major GCs, and the
# peak RSS varied by run length (npm run bench:digest, BENCHMARKS.md "Worker memory"). A 256 MB old space keeps
# the growth factor low: peak RSS 181 MB instead of 228 at the same rate. Raise it if a process ever needs more.
ENV NODE_OPTIONS=--max-old-space-size=256
USER node
EXPOSE 3000
# node directly, not npm: npm does not pass SIGTERM on, and paperboy drains on SIGTERM. bin/paperboy.js runs dist/.
ENTRYPOINT ["node", "bin/paperboy.js"]
CMD ["start"]
