// Module boundaries (npm run lint). The feature modules are the folders of src/ that own routes
// or rows: workflows, interviews, todos, admin, health. They reach the Workflows module only
// through its public surface (src/workflows/index.ts: the extension point for linked kinds, the
// module and its service), and each other not at all; src/common imports no feature module.
// See docs/architecture.md.
const FEATURES = 'workflows|interviews|todos|admin|health|change-feed|webhooks';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'common-imports-no-feature',
      comment: 'src/common is shared infrastructure: it must not depend on a feature module.',
      severity: 'error',
      from: { path: '^src/common/' },
      to: { path: `^src/(${FEATURES})/` },
    },
    {
      name: 'workflows-only-through-its-index',
      comment:
        'Other modules use the Workflows module only through src/workflows/index.ts (the linked-kind extension point).',
      severity: 'error',
      from: { path: `^src/(${FEATURES.replace('workflows|', '')})/` },
      to: { path: '^src/workflows/', pathNot: '^src/workflows/index\\.ts$' },
    },
    {
      name: 'workflows-imports-no-other-feature',
      comment: 'The Workflows module knows no module that declares a linked kind: they import it.',
      severity: 'error',
      from: { path: '^src/workflows/' },
      to: { path: `^src/(${FEATURES.replace('workflows|', '')})/` },
    },
    {
      name: 'features-apart',
      comment: 'Feature modules other than Workflows do not import each other.',
      severity: 'error',
      from: { path: '^src/(interviews|todos|admin|health|change-feed)/' },
      to: {
        path: '^src/(interviews|todos|admin|health|change-feed)/',
        pathNot: '^src/$1/',
      },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '(^dist/|\\.spec\\.ts$)' },
  },
};
