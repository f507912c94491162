#!/usr/bin/env node
// Entry point for `npx paperboy`: paperboy runs its TypeScript sources through tsx's loader,
// so there is no build step to forget and no stale dist/ to debug.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
