// Unit tests, then the e2e suites on SQLite and - when a MariaDB/MySQL server answers - on
// MariaDB, the Galera suites when the cluster answers, the Swagger UI in Chromium, the shared rate
// limit with redis-server and the load balancer suite with haproxy when they are installed. With
// CI=true or REQUIRE_MARIADB=1 a missing server, browser or program fails the run instead.
const net = require('node:net');
const { execFileSync } = require('node:child_process');

const swaggerPlugin = {
  path: '<rootDir>/test/setup/swagger-plugin-transformer.js',
  options: {
    introspectComments: true,
    classValidatorShim: true,
    dtoFileNameSuffix: ['.dto.ts'],
    controllerFileNameSuffix: ['.controller.ts'],
  },
};

const transform = {
  '^.+\\.ts$': [
    'ts-jest',
    { tsconfig: 'tsconfig.json', diagnostics: false, astTransformers: { before: [swaggerPlugin] } },
  ],
};

// @fastify/static (Swagger UI's assets) needs content-disposition 3, which ships only as an
// ES module: Node.js 22.12+ and 24 load it with require(esm), Jest does not, so Jest compiles it
// to CommonJS.
const ESM_ONLY = ['content-disposition'];
transform[`/node_modules/(${ESM_ONLY.join('|')})/.+\\.js$`] = [
  'ts-jest',
  { tsconfig: { allowJs: true, module: 'commonjs', target: 'ES2022' }, diagnostics: false },
];

const common = {
  rootDir: __dirname,
  testEnvironment: 'node',
  moduleFileExtensions: ['ts', 'js', 'json'],
  transform,
  transformIgnorePatterns: [`/node_modules/(?!(${ESM_ONLY.join('|')})/)`],
};

function e2eProject(kind, extraMatch = []) {
  return {
    ...common,
    displayName: `e2e-${kind}`,
    // the log of the applications a suite starts is shown only when a test fails
    testEnvironment: '<rootDir>/test/setup/quiet-logs-environment.js',
    testMatch: ['<rootDir>/test/**/*.e2e-spec.ts', ...extraMatch],
    setupFiles: [`<rootDir>/test/setup/use-${kind}.ts`],
  };
}

function mariadbAddress() {
  const url = new URL(process.env.TEST_MARIADB_URL || 'mariadb://root@127.0.0.1:3306/test');
  return { host: url.hostname, port: Number(url.port || 3306) };
}

function galeraAddresses() {
  const base = Number(process.env.GALERA_BASE_PORT || 4400);
  return [1, 2, 3].map((n) => ({ host: '127.0.0.1', port: base + n }));
}

/** Where `which` finds a program on the PATH, or undefined. */
function which(program) {
  try {
    return execFileSync('which', [program], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

/** Debian's Chromium for the browser suite: CHROMIUM_PATH, else what `which chromium` prints. */
function chromiumPath() {
  return process.env.CHROMIUM_PATH || which('chromium');
}

function reachable({ host, port }, timeoutMs = 1500) {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

module.exports = async () => {
  const projects = [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/src/**/*.spec.ts'] },
    // *.sqlite-spec.ts: what only the embedded default shows (npm start with no configuration)
    e2eProject('sqlite', ['<rootDir>/test/**/*.sqlite-spec.ts']),
  ];
  const address = mariadbAddress();
  const required = process.env.CI === 'true' || process.env.REQUIRE_MARIADB === '1';
  const mariadbUp = await reachable(address);
  if (mariadbUp) {
    projects.push(e2eProject('mariadb', ['<rootDir>/test/**/*.mariadb-spec.ts']));
  } else if (required) {
    throw new Error(
      `MariaDB is required (CI=true or REQUIRE_MARIADB=1) but ${address.host}:${address.port} does not answer`,
    );
  } else {
    console.warn(
      `MariaDB at ${address.host}:${address.port} does not answer: e2e suites run on SQLite only.`,
    );
  }
  // the Galera cluster of scripts/galera-cluster.sh: CI starts it and requires it (REQUIRE_GALERA=1)
  const galera = galeraAddresses();
  const galeraUp = (await Promise.all(galera.map((a) => reachable(a)))).every(Boolean);
  if (galeraUp) {
    projects.push({
      ...e2eProject('galera'),
      displayName: 'e2e-galera',
      testMatch: ['<rootDir>/test/**/*.galera-spec.ts'],
    });
  } else if (process.env.REQUIRE_GALERA === '1') {
    throw new Error(
      `The Galera cluster is required (REQUIRE_GALERA=1) but ${galera.map((a) => `${a.host}:${a.port}`).join(', ')} do not all answer: scripts/galera-cluster.sh start`,
    );
  } else {
    console.warn(
      `The Galera suites do not run: ${galera.map((a) => `${a.host}:${a.port}`).join(', ')} do not all answer (scripts/galera-cluster.sh start).`,
    );
  }
  // the Swagger UI in headless Chromium: CI installs Debian's chromium and requires it
  const chromium = chromiumPath();
  if (chromium) {
    process.env.CHROMIUM_PATH = chromium;
    projects.push({
      ...e2eProject('sqlite'),
      displayName: 'browser',
      testMatch: ['<rootDir>/test/**/*.browser-spec.ts'],
    });
  } else if (required) {
    throw new Error(
      'Chromium is required (CI=true or REQUIRE_MARIADB=1) for the Swagger UI suite: apt-get install chromium, or set CHROMIUM_PATH',
    );
  } else {
    console.warn(
      'No chromium on the PATH (or CHROMIUM_PATH): the Swagger UI browser suite does not run.',
    );
  }
  // the shared rate limit: a redis-server of the suite's own (Debian's redis-server)
  if (which('redis-server')) {
    projects.push({
      ...e2eProject('sqlite'),
      displayName: 'redis',
      testMatch: ['<rootDir>/test/**/*.redis-spec.ts'],
    });
  } else if (required) {
    throw new Error(
      'redis-server is required (CI=true or REQUIRE_MARIADB=1) for the shared rate limit suite: apt-get install redis-server',
    );
  } else {
    console.warn('No redis-server on the PATH: the shared rate limit suite does not run.');
  }
  // three replicas behind Debian's HAProxy, on MariaDB, the rate limit in a private redis-server:
  // CI installs haproxy and requires it
  if (which('haproxy') && which('redis-server') && mariadbUp) {
    projects.push({
      ...e2eProject('mariadb'),
      displayName: 'haproxy',
      testMatch: ['<rootDir>/test/**/*.haproxy-spec.ts'],
    });
  } else if (required) {
    throw new Error(
      'haproxy is required (CI=true or REQUIRE_MARIADB=1) for the load balancer suite: apt-get install haproxy',
    );
  } else {
    console.warn(
      `The load balancer suite does not run: ${!mariadbUp ? 'MariaDB does not answer' : !which('haproxy') ? 'no haproxy on the PATH (apt-get install haproxy)' : 'no redis-server on the PATH'}.`,
    );
  }
  return { projects, testTimeout: 60_000 };
};
