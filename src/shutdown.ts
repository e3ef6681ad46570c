import { Logger } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';

/** How long in-flight requests may take to finish after SIGTERM before the process gives up. */
const GRACE_MS = 25_000;

/**
 * Call before listen(). SIGTERM/SIGINT: stop accepting connections and let in-flight requests finish (their
 * transactions commit or roll back whole), then close the database pool, then exit 0.
 * Nest's own shutdown hooks would close the pool first and re-raise the signal (exit 143).
 */
export function closeGracefullyOnSignals(app: NestFastifyApplication): void {
  const logger = new Logger('Shutdown');
  let closing = false;
  const close = async (signal: NodeJS.Signals): Promise<void> => {
    if (closing) return;
    closing = true;
    logger.log(`${signal}: finishing in-flight requests, then closing the database pool`);
    setTimeout(() => {
      logger.error(`in-flight requests did not finish within ${GRACE_MS} ms; exiting`);
      process.exit(1);
    }, GRACE_MS).unref();
    // keep-alive connections left idle by finished answers are closed as they go idle, or the
    // server would wait for the clients (fastify keeps connections alive for 72 s)
    const server = app.getHttpServer();
    const closeIdle = setInterval(() => server.closeIdleConnections(), 50);
    try {
      await app.getHttpAdapter().close();
      clearInterval(closeIdle);
      await app.close();
      process.exit(0);
    } catch (err) {
      logger.error(`shutdown failed: ${(err as Error).message}`);
      process.exit(1);
    }
  };
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, (received: NodeJS.Signals) => void close(received));
  }
}
