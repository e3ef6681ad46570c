import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { freePort } from './app-process';
import { waitForPort } from './private-mariadb';

/** The documented configuration, run as it is. */
export const HAPROXY_CFG = join(__dirname, '..', '..', 'deploy', 'haproxy.cfg');

/** Debian's haproxy in the foreground on loopback, with deploy/haproxy.cfg in front of replicas. */
export class PrivateHaproxy {
  private process?: ChildProcess;
  private log = '';
  port = 0;
  statsPort = 0;

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(replicaPorts: number[]): Promise<void> {
    [this.port, this.statsPort] = [await freePort(), await freePort()];
    const child = spawn('haproxy', ['-db', '-f', HAPROXY_CFG], {
      env: {
        ...process.env,
        LB_BIND: `127.0.0.1:${this.port}`,
        LB_STATS_BIND: `127.0.0.1:${this.statsPort}`,
        ...Object.fromEntries(
          replicaPorts.map((port, i) => [`REPLICA${i + 1}`, `127.0.0.1:${port}`]),
        ),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.on('data', (chunk: Buffer) => (this.log += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (this.log += chunk.toString()));
    this.process = child;
    const exited = new Promise<never>((_, reject) =>
      child.once('exit', (code) =>
        reject(new Error(`haproxy exited with ${code} at start:\n${this.log}`)),
      ),
    );
    await Promise.race([waitForPort(this.port, 15_000), exited]);
  }

  /** Each server of the replicas backend and its check status (UP, DOWN, UP 1/2, ...). */
  async servers(): Promise<Record<string, string>> {
    const csv = await (await fetch(`http://127.0.0.1:${this.statsPort}/;csv`)).text();
    const [header, ...rows] = csv.trim().split('\n');
    const columns = header.replace(/^# /, '').split(',');
    const [px, sv, status] = ['pxname', 'svname', 'status'].map((c) => columns.indexOf(c));
    return Object.fromEntries(
      rows
        .map((row) => row.split(','))
        .filter((cells) => cells[px] === 'replicas' && /^replica\d$/.test(cells[sv]))
        .map((cells) => [cells[sv], cells[status]]),
    );
  }

  /** Polls the stats until every named server has the wanted status (checks run every second). */
  async waitFor(
    wanted: Record<string, string>,
    timeoutMs = 20_000,
  ): Promise<Record<string, string>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const servers = await this.servers();
      if (Object.entries(wanted).every(([name, status]) => servers[name] === status))
        return servers;
      if (Date.now() > deadline) return servers;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  output(): string {
    return this.log;
  }

  async stop(): Promise<void> {
    const child = this.process;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    await gone;
  }
}
