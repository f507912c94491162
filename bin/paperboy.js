#!/usr/bin/env node
// Entry point for `npx paperboy` and the Docker image: the compiled JavaScript in dist/ when it exists
// (`npm run build`; what production runs), else the TypeScript sources through tsx's loader (development,
// tests: PAPERBOY_SOURCE=1 insists on the sources even when an older dist/ is lying around).
import { existsSync } from 'node:fs';

const built = new URL('../dist/cli/main.js', import.meta.url);
if (existsSync(built) && process.env.PAPERBOY_SOURCE !== '1') {
  await import(built.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/main.ts');
}
