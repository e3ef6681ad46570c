import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const scripts = (
  JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as {
    scripts: Record<string, string>;
  }
).scripts;

describe('the start scripts (package.json)', () => {
  it('start runs the build with the young generation capped and the old generation grown by half (docs/operations.md, Memory)', () => {
    expect(scripts.start).toBe(
      'node --max-semi-space-size=32 --heap-growing-percent=100 dist/src/main.js',
    );
  });

  it('start:prod runs exactly what start runs, with NODE_ENV=production', () => {
    expect(scripts['start:prod']).toBe(`NODE_ENV=production ${scripts.start}`);
  });
});
