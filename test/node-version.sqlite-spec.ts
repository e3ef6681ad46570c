import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, TS_NODE } from './setup/app-process';

const ROOT = join(__dirname, '..');
/** Makes a process say it is Node.js FAKE_NODE_VERSION. */
const FAKE = join(__dirname, 'setup', 'fake-node-version.js');
const REFUSAL =
  'Node.js 20.20.2 found, but this service needs Node.js 22 (22.12.0 or later) or 24: see "Requirements" in README.md.';

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv) {
  const child = spawn(command, args, { cwd, env: { ...process.env, ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.once('close', (code) => resolve({ code, stdout, stderr })),
  );
}

/**
 * What a user on an older Node.js sees (better-sqlite3 13 would crash it at load): one line
 * naming the version found and the versions needed, and exit code 1. The process is made to
 * report Node.js 20.20.2, so this runs on any Node.js.
 */
describe('an unsupported Node.js (e2e)', () => {
  let cwd: string;

  beforeAll(() => {
    cwd = mkdtempSync(join(tmpdir(), 'test_node_version_'));
  });

  afterAll(() => rmSync(cwd, { recursive: true, force: true }));

  it('npm start stops before building, with one line saying which Node.js it found and needs', async () => {
    const { code, stdout, stderr } = await run('npm', ['start'], ROOT, {
      NODE_OPTIONS: `--require ${FAKE}`,
      FAKE_NODE_VERSION: '20.20.2',
      PORT: String(await freePort()),
    });

    expect(code).toBe(1);
    // npm's own lines (the script it ran, and that it failed) aside, the one line and no trace
    const ours = (stdout + stderr)
      .split('\n')
      .filter((line) => line.trim() && !line.startsWith('>') && !line.startsWith('npm '));
    expect(ours).toEqual([REFUSAL]);
  });

  it('the service itself stops at its first line, before it loads anything or makes a database', async () => {
    const { code, stdout, stderr } = await run(
      process.execPath,
      ['--require', FAKE, '--require', TS_NODE, join(ROOT, 'src', 'main.ts')],
      cwd,
      {
        FAKE_NODE_VERSION: '20.20.2',
        DATABASE_URL: undefined,
        PORT: String(await freePort()),
        TS_NODE_PROJECT: join(ROOT, 'tsconfig.json'),
      },
    );

    expect(code).toBe(1);
    expect(stderr).toBe(`${REFUSAL}\n`);
    expect(stdout).toBe('');
    expect(existsSync(join(cwd, 'data'))).toBe(false);
  });
});
