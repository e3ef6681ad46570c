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
    const headers = securityHeaders(OPTIONS);
    expect(headers).toEqual(set);
    expect(headers['content-security-policy']).toContain("img-src 'self' data:");
    expect(headers['x-content-type-options']).toBe('nosniff');
    expect(headers['strict-transport-security']).toMatch(/^max-age=/);
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
