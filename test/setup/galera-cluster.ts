import { execFile } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const SCRIPT = join(__dirname, '..', '..', 'scripts', 'galera-cluster.sh');
/** The ports a cluster of scripts/galera-cluster.sh uses, past its base: SQL, gcomm, IST, SST. */
const OFFSETS = [1, 2, 3, 11, 12, 13, 21, 22, 23, 31, 32, 33];

/**
 * A 3-node Galera cluster of the test's own (scripts/galera-cluster.sh with its own
 * GALERA_BASE_PORT and GALERA_DIR), so that a test can kill and restart nodes without touching
 * the shared cluster on 4401-4403 that other suites use.
 */
export class PrivateGaleraCluster {
  base = 0;
  readonly dir = `/var/tmp/galera-test-${process.pid}-${Date.now()}`;

  port(node: number): number {
    return this.base + node;
  }

  url(node: number, database: string): string {
    return `mariadb://root@127.0.0.1:${this.port(node)}/${database}`;
  }

  /** Installs and starts the three nodes on a base port whose twelve ports are all free. */
  async start(): Promise<void> {
    for (let tries = 0; tries < 50 && !this.base; tries++) {
      const base = 20_000 + 100 * Math.floor(Math.random() * 200);
      if ((await Promise.all(OFFSETS.map((o) => canListen(base + o)))).every(Boolean)) {
        this.base = base;
      }
    }
    if (!this.base) throw new Error('no free base port for a private Galera cluster');
    await this.script('start');
  }

  /** SIGKILL of node's mariadbd; resolves once the process is gone. */
  kill(node: number): Promise<string> {
    return this.script('kill', String(node));
  }

  /** A clean shutdown of one node: it leaves the cluster. */
  stop(node: number): Promise<string> {
    return this.script('stop', String(node));
  }

  /** Starts one node, which rejoins the others; resolves once it is synced. */
  startNode(node: number): Promise<string> {
    return this.script('start', String(node));
  }

  async sql(node: number, statement: string): Promise<string> {
    const { stdout } = await run('mariadb', [
      '--no-defaults',
      '-uroot',
      '--protocol=tcp',
      '-h127.0.0.1',
      `-P${this.port(node)}`,
      '-N',
      '-e',
      statement,
    ]);
    return stdout.trim();
  }

  async clusterSize(node: number): Promise<number> {
    return Number(
      await this.sql(
        node,
        "SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME = 'wsrep_cluster_size'",
      ),
    );
  }

  /** Kills every node and removes the data directories. */
  async destroy(): Promise<void> {
    if (this.base) await this.script('destroy');
  }

  private async script(...args: string[]): Promise<string> {
    const { stdout } = await run(SCRIPT, args, {
      env: { ...process.env, GALERA_BASE_PORT: String(this.base), GALERA_DIR: this.dir },
      timeout: 240_000,
    });
    return stdout;
  }
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}
