import Fastify from 'fastify';
import helmet from 'helmet';
import { securityHeaders, useSecurityHeaders } from './security-headers';

const OPTIONS = {
  contentSecurityPolicy: { directives: { defaultSrc: ["'self'"], imgSrc: ["'self'", 'data:'] } },
};

describe('securityHeaders', () => {
  it("is what helmet's own middleware sets on a response for the same options", () => {
    const set: Record<string, string> = {};
    helmet(OPTIONS)(
      {} as never,
      {
        setHeader: (name: string, value: string) => (set[name.toLowerCase()] = value),
        removeHeader: () => undefined,
      } as never,
      () => undefined,
    );
    expect(securityHeaders(OPTIONS)).toEqual(set);
    expect(securityHeaders(OPTIONS)).toMatchObject({
      'content-security-policy': expect.stringContaining("img-src 'self' data:"),
      'x-content-type-options': 'nosniff',
      'strict-transport-security': expect.stringMatching(/^max-age=/),
    });
  });
});

describe('useSecurityHeaders', () => {
  it('sends them with every answer: a route, a 404 and an error', async () => {
    const fastify = Fastify();
    useSecurityHeaders(fastify, OPTIONS);
    fastify.get('/ok', () => ({ ok: true }));
    fastify.get('/fails', () => {
      throw new Error('boom');
    });
    const expected = securityHeaders(OPTIONS);
    for (const url of ['/ok', '/missing', '/fails']) {
      const res = await fastify.inject({ url });
      expect(res.headers).toMatchObject(expected);
    }
    await fastify.close();
  });
});
