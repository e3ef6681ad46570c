import { createHttpAdapter, type HttpLimits } from './app.setup';

const limits: HttpLimits = {
  bodyLimitBytes: 1_048_576,
  requestTimeoutMs: 10_000,
  keepAliveTimeoutMs: 5_000,
  maxConnections: 100,
  trustProxy: false,
};

describe('createHttpAdapter', () => {
  // REQUEST_TIMEOUT_MS accepts 100 ms to 600 s: every value must give a server, including those
  // above Node's own 300 s default request timeout
  it.each([100, 10_000, 300_000, 300_001, 600_000])(
    'creates the server with REQUEST_TIMEOUT_MS=%i and applies it to headers and requests',
    (requestTimeoutMs) => {
      const server = createHttpAdapter({ ...limits, requestTimeoutMs }).getInstance().server;
      expect(server.requestTimeout).toBe(requestTimeoutMs);
      expect(server.headersTimeout).toBe(requestTimeoutMs);
    },
  );
});
