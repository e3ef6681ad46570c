import { ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * A MariaDB server of the test's own (own data directory, socket and port), so that a test can
 * stop and start it without touching the shared server. Needs mariadbd and mariadb-install-db.
 */
export class PrivateMariaDb {
  private process?: ChildProcess;
  readonly dir = mkdtempSync(join(tmpdir(), 'test-mariadb-'));
  port = 0;

  get url(): string {
    return `mariadb://root@127.0.0.1:${this.port}/test`;
  }

  async install(): Promise<void> {
    this.port = await freePort();
    await run('mariadb-install-db', [
      '--no-defaults',
      `--datadir=${join(this.dir, 'data')}`,
      '--user=root',
      '--auth-root-authentication-method=normal',
      '--skip-test-db',
    ]);
  }

  async start(): Promise<void> {
    const child = spawn(
      'mariadbd',
      [
        '--no-defaults',
        `--datadir=${join(this.dir, 'data')}`,
        `--socket=${join(this.dir, 'mariadb.sock')}`,
        `--pid-file=${join(this.dir, 'mariadb.pid')}`,
        `--port=${this.port}`,
        '--bind-address=127.0.0.1',
        '--user=root',
        '--skip-name-resolve',
        '--innodb-buffer-pool-size=64M',
        '--innodb-log-file-size=48M',
        '--character-set-server=utf8mb4',
        '--collation-server=utf8mb4_unicode_ci',
      ],
      { stdio: 'ignore' },
    );
    this.process = child;
    const exited = new Promise<never>((_, reject) =>
      child.once('exit', (code) => reject(new Error(`mariadbd exited with ${code} during start`))),
    );
    await Promise.race([waitForPort(this.port, 30_000), exited]);
    await this.sql(
      'CREATE DATABASE IF NOT EXISTS test CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci',
    );
  }

  /** SIGKILL: a crash; SIGTERM: a clean shutdown. Resolves once the process is gone. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    await stopProcess(this.process, signal);
    this.process = undefined;
  }

  async sql(statement: string): Promise<string> {
    const { stdout } = await run('mariadb', [
      '--no-defaults',
      '-uroot',
      '--protocol=tcp',
      '-h127.0.0.1',
      `-P${this.port}`,
      '-N',
      '-e',
      statement,
    ]);
    return stdout.trim();
  }

  async destroy(): Promise<void> {
    await this.stop('SIGKILL');
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** True when both binaries exist: then the private-server suites must run (and never skip). */
export async function mariadbBinariesPresent(): Promise<boolean> {
  try {
    await run('mariadbd', ['--version']);
    await run('mariadb-install-db', ['--help']);
    return true;
  } catch {
    return false;
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Resolves once something accepts connections on 127.0.0.1:port. */
/** Sends signal to a child process that is still running; resolves once it is gone. */
export async function stopProcess(
  child: ChildProcess | undefined,
  signal: NodeJS.Signals,
): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill(signal);
  await gone;
}

export async function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect({ host: '127.0.0.1', port });
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`nothing listens on ${port} after ${timeoutMs} ms`);
}
