import { ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { adminHeaders, TEST_JWT_SECRET } from './auth';

export interface AppProcess {
  url: string;
  child: ChildProcess;
  /** Resolves with the exit code (or the signal's name) when the process ends. */
  exited: Promise<number | string>;
  /** stdout and stderr, interleaved as they arrived. */
  output(): string;
  /** stdout alone: the log lines. */
  stdout(): string;
  kill(signal?: NodeJS.Signals): Promise<number | string>;
}

const ROOT = join(__dirname, '..', '..');
const MAIN = join(ROOT, 'src', 'main.ts');
/** ts-node's hook by path, so that a process started in another directory finds it. */
export const TS_NODE = require.resolve('ts-node/register/transpile-only');

/**
 * The service as its own process (src/main.ts through ts-node, no build needed), for tests of
 * what only a process shows: signals, exit codes, several instances on one database. It runs in
 * `cwd` (the project by default), and an env value of undefined leaves that variable unset.
 */
export async function spawnApp(
  env: NodeJS.ProcessEnv,
  port: number,
  cwd: string = ROOT,
): Promise<AppProcess> {
  const child = spawn(process.execPath, ['-r', TS_NODE, MAIN], {
    cwd,
    env: {
      ...process.env,
      JWT_SECRET: TEST_JWT_SECRET,
      RATE_LIMIT_PER_MINUTE: '0',
      ...env,
      PORT: String(port),
      HOST: '127.0.0.1',
      TS_NODE_PROJECT: join(ROOT, 'tsconfig.json'),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let stdout = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
    stdout += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')),
  );
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    const state = await Promise.race([
      fetch(`${url}/health`).then(
        (res) => (res.ok ? 'up' : 'down'),
        () => 'down',
      ),
      exited.then(() => 'exited'),
    ]);
    if (state === 'up') break;
    if (state === 'exited' || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the app on port ${port} did not come up:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return {
    url,
    child,
    exited,
    output: () => output,
    stdout: () => stdout,
    kill: (signal = 'SIGTERM') => {
      child.kill(signal);
      return exited;
    },
  };
}

/**
 * Waits until condition() holds (a spawned app's output arrives through a pipe, some time after
 * the answer that caused it), or timeoutMs has passed; the caller's assertions then tell.
 */
export async function waitUntil(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition() && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A TCP port nothing listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** A JSON request to a spawned app as an admin client. */
/** A request to a spawned app as an admin of `organizationId` (1 unless given). */
export async function callApp(
  app: AppProcess,
  method: string,
  path: string,
  body?: object,
  organizationId = 1,
) {
  const res = await fetch(`${app.url}${path}`, {
    method,
    headers: adminHeaders(body ? { 'content-type': 'application/json' } : {}, organizationId),
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** What a spawned service that stops by itself printed, and how it ended. */
export interface FinishedApp {
  /** The exit code, or the signal's name. */
  exit: number | string;
  stdout: string;
  stderr: string;
}

/**
 * Runs the service (src/main.ts through ts-node) until it exits by itself, as a start that must
 * fail does; killed after 60 s so that a service that unexpectedly starts cannot hang the suite.
 */
export async function runAppToExit(
  env: NodeJS.ProcessEnv,
  port: number,
  cwd: string = ROOT,
): Promise<FinishedApp> {
  const child = spawn(process.execPath, ['-r', TS_NODE, MAIN], {
    cwd,
    env: {
      ...process.env,
      JWT_SECRET: TEST_JWT_SECRET,
      LOG_FORMAT: 'json',
      ...env,
      PORT: String(port),
      HOST: '127.0.0.1',
      TS_NODE_PROJECT: join(ROOT, 'tsconfig.json'),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const guard = setTimeout(() => child.kill('SIGKILL'), 60_000);
  const exit = await new Promise<number | string>((resolve) =>
    child.once('close', (code, signal) => resolve(code ?? signal ?? 'unknown')),
  );
  clearTimeout(guard);
  return { exit, stdout, stderr };
}
