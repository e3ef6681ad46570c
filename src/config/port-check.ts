import { createServer } from 'node:net';
import { StartupError } from './startup-error';

/** The line printed when the port is taken, at start or when listening fails. */
export function portInUseMessage(port: number): string {
  return `port ${port} is in use: set PORT`;
}

/**
 * Refuses to start, before the database is touched (no migration runs), when something already
 * listens on the port. Port 0 (any free port) is never taken.
 */
export async function refuseBusyPort(port: number, host: string): Promise<void> {
  if (port === 0) return;
  await new Promise<void>((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (err: NodeJS.ErrnoException) =>
      reject(err.code === 'EADDRINUSE' ? new StartupError(portInUseMessage(port)) : err),
    );
    probe.listen({ port, host, exclusive: true }, () => probe.close(() => resolve()));
  });
}
