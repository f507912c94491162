import type { Logger } from '../logger.ts';

export interface Closable {
  name: string;
  close(): Promise<unknown>;
}

/**
 * On SIGINT/SIGTERM closes each part in order (server first, so no new work arrives; then workers;
 * then connections), logs what it waited for, and exits 0 — or 1 if `timeoutMs` runs out first.
 */
export function closeOnSignals(parts: () => Closable[], logger: Logger, timeoutMs: number): void {
  let closing = false;
  const shutdown = async (signal: NodeJS.Signals) => {
    if (closing) return;
    closing = true;
    logger.info({ signal }, 'shutting down');
    const timer = setTimeout(() => {
      logger.error({ timeoutMs }, 'shutdown timed out; exiting anyway');
      process.exit(1);
    }, timeoutMs);
    timer.unref();
    for (const part of parts()) {
      const started = Date.now();
      try {
        await part.close();
        logger.info({ part: part.name, ms: Date.now() - started }, 'closed');
      } catch (error) {
        logger.warn({ part: part.name, err: error }, 'close failed');
      }
    }
    clearTimeout(timer);
    process.exit(0);
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}
