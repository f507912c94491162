# One image for both roles: `api` and `worker` (see docker-compose.yml).
FROM node:20-bookworm-slim

ENV NODE_ENV=production
WORKDIR /app

COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

COPY bin ./bin
COPY src ./src
COPY templates ./templates
COPY migrations ./migrations
COPY fixtures ./fixtures
COPY tsconfig.json ./

USER node
EXPOSE 3000
# node directly, not npm: npm does not pass SIGTERM on, and paperboy drains on SIGTERM.
ENTRYPOINT ["node", "bin/paperboy.js"]
CMD ["start"]
