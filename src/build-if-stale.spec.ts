import { mkdirSync, mkdtempSync, rmSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isStale } from '../scripts/build-if-stale';

/** npm start builds only when something the build is made from changed (scripts/build-if-stale.js). */
describe('the build check of npm start', () => {
  let root: string;
  const at = (path: string, seconds: number) => utimesSync(join(root, path), seconds, seconds);

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'build-check-'));
    for (const dir of ['src/admin', 'migrations', 'dist/src'])
      mkdirSync(join(root, dir), { recursive: true });
    for (const file of ['src/main.ts', 'src/admin/a.ts', 'migrations/m.ts', 'package.json'])
      writeFileSync(join(root, file), '');
    for (const path of [
      'src/main.ts',
      'src/admin/a.ts',
      'migrations/m.ts',
      'package.json',
      'src/admin',
      'src',
      'migrations',
    ])
      at(path, 1_000);
  });

  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('builds when there is no build yet', () => {
    expect(isStale(root)).toBe(true);
  });

  it('does not build when the build is newer than every source', () => {
    writeFileSync(join(root, 'dist/src/main.js'), '');
    at('dist/src/main.js', 2_000);
    expect(isStale(root)).toBe(false);
  });

  it('builds when a source, a migration or package.json changed since, or a source was deleted', () => {
    writeFileSync(join(root, 'dist/src/main.js'), '');
    at('dist/src/main.js', 2_000);
    for (const changed of ['src/admin/a.ts', 'migrations/m.ts', 'package.json']) {
      at(changed, 3_000);
      expect([changed, isStale(root)]).toEqual([changed, true]);
      at(changed, 1_000);
    }
    unlinkSync(join(root, 'src/admin/a.ts')); // the directory's own time moves
    expect(isStale(root)).toBe(true);
  });
});
