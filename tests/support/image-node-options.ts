// The Docker image's NODE_OPTIONS (its `ENV NODE_OPTIONS=` line): worker processes spawned by tests and benches
// run with the heap the image gives them, so a limit too small for the work fails here and not in production.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const DOCKERFILE = fileURLToPath(new URL('../../Dockerfile', import.meta.url));

/** The Dockerfile's NODE_OPTIONS, or '' when it sets none. */
export function imageNodeOptions(): string {
  return /^ENV NODE_OPTIONS="?([^"\n]*)"?$/m.exec(readFileSync(DOCKERFILE, 'utf8'))?.[1]?.trim() ?? '';
}
