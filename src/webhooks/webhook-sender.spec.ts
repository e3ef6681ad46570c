import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { sendAttempt } from './webhook-sender';

const SECRET = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
const MESSAGE = {
  id: '1043',
  type: 'todo.created',
  timestamp: '2025-10-02T09:30:00.000Z',
  data: { id: 7 },
};
const OPEN = { allowPrivateNetworks: true, requireHttps: false };
const STRICT = { allowPrivateNetworks: false, requireHttps: false };

/** The delivery-time side of the SSRF rules, and the signature, against a server on loopback. */
describe('sendAttempt', () => {
  let server: Server;
  let port: number;
  const received: Array<{ headers: IncomingHttpHeaders; body: string }> = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        received.push({ headers: req.headers, body });
        res
          .writeHead(req.url === '/moved' ? 301 : 200, { location: 'http://127.0.0.1:1/x' })
          .end('ok');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  beforeEach(() => {
    received.length = 0;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  it('POSTs the Standard Webhooks message, which the standardwebhooks verifier accepts', async () => {
    const result = await sendAttempt(`http://127.0.0.1:${port}/hook`, SECRET, MESSAGE, 2000, OPEN);
    expect(result).toMatchObject({ ok: true, statusCode: 200, error: null });
    expect(result.latencyMs).toBeGreaterThanOrEqual(0);
    expect(received).toHaveLength(1);
    const [{ headers, body }] = received;
    expect(JSON.parse(body)).toEqual({
      type: 'todo.created',
      timestamp: MESSAGE.timestamp,
      data: { id: 7 },
    });
    expect(headers['webhook-id']).toBe('1043');
    expect(new Webhook(SECRET).verify(body, headers as Record<string, string>)).toEqual(
      JSON.parse(body),
    );
    expect(() =>
      new Webhook(`whsec_${Buffer.alloc(32, 8).toString('base64')}`).verify(
        body,
        headers as Record<string, string>,
      ),
    ).toThrow();
  });

  it('checks the address again at delivery time: a host that now resolves to an internal address is not contacted', async () => {
    // the host was public when the endpoint was created; its DNS now answers loopback
    const rebound = () => Promise.resolve([{ address: '127.0.0.1', family: 4 }]);
    const result = await sendAttempt(
      `http://hooks.example.com:${port}/hook`,
      SECRET,
      MESSAGE,
      2000,
      STRICT,
      { resolve: rebound },
    );
    expect(result).toMatchObject({ ok: false, statusCode: null });
    expect(result.error).toMatch(/resolves to 127\.0\.0\.1/);
    expect(received).toEqual([]);
    // an IP literal is checked the same way
    const literal = await sendAttempt(
      `http://127.0.0.1:${port}/hook`,
      SECRET,
      MESSAGE,
      2000,
      STRICT,
    );
    expect(literal.error).toMatch(/internal address/);
    expect(received).toEqual([]);
  });

  it('connects to the address it checked, not to a second resolution of the host (no DNS rebinding between check and connect)', async () => {
    let lookups = 0;
    const once = () => {
      lookups++;
      return Promise.resolve([{ address: '127.0.0.1', family: 4 }]);
    };
    // `hooks.invalid` resolves nowhere else: the request arrives only if the vetted address is used
    const result = await sendAttempt(
      `http://hooks.invalid:${port}/hook`,
      SECRET,
      MESSAGE,
      2000,
      OPEN,
      { resolve: once },
    );
    expect(result.ok).toBe(true);
    expect(lookups).toBe(1);
    expect(received[0].headers.host).toBe(`hooks.invalid:${port}`);
  });

  it('never follows a redirect: a 3xx is a failed attempt', async () => {
    const result = await sendAttempt(`http://127.0.0.1:${port}/moved`, SECRET, MESSAGE, 2000, OPEN);
    expect(result).toMatchObject({
      ok: false,
      statusCode: 301,
      error: 'redirect not followed (HTTP 301 to http://127.0.0.1:1/x)',
    });
    expect(received).toHaveLength(1);
  });

  it('reports a refused connection and a timeout', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const refused = await sendAttempt(
      `http://127.0.0.1:${closedPort}/`,
      SECRET,
      MESSAGE,
      2000,
      OPEN,
    );
    expect(refused).toMatchObject({ ok: false, statusCode: null });
    expect(refused.error).toMatch(/^ECONNREFUSED/);

    const hanging = () => new Promise<never>(() => undefined);
    const timedOut = await sendAttempt('http://slow.invalid/', SECRET, MESSAGE, 200, OPEN, {
      resolve: hanging,
    });
    expect(timedOut).toMatchObject({
      ok: false,
      statusCode: null,
      error: 'no answer within 200 ms',
    });
    expect(timedOut.latencyMs).toBeGreaterThanOrEqual(190);
  });
});
