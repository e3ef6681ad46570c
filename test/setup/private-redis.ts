import { ChildProcess, spawn } from 'node:child_process';
import { freePort } from './app-process';
import { stopProcess, waitForPort } from './private-mariadb';

/**
 * A redis-server of the test's own on a free loopback port (never the shared 6379 one), so that
 * a test can stop and start it. No persistence: a restart comes back empty, as after a crash.
 */
export class PrivateRedis {
  private process?: ChildProcess;
  port = 0;

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    if (!this.port) this.port = await freePort();
    const child = spawn(
      'redis-server',
      ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { stdio: 'ignore' },
    );
    this.process = child;
    const exited = new Promise<never>((_, reject) =>
      child.once('exit', (code) => reject(new Error(`redis-server exited with ${code} at start`))),
    );
    await Promise.race([waitForPort(this.port, 15_000), exited]);
  }

  /** Resolves once the process is gone. */
  async stop(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    await stopProcess(this.process, signal);
    this.process = undefined;
  }
}
