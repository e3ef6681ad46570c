import type { FastifyInstance, FastifyReply } from 'fastify';
import { errorBody } from '../common/errors/error-shape';
import { POLICY, WINDOW_SECONDS, type RateLimiter } from './rate-limiter';

/** Load balancers' and orchestrators' probes: never counted, never refused. */
const UNCOUNTED_PATHS = new Set(['/health']);
const STORE_DOWN_RETRY_AFTER_SECONDS = 1;

/**
 * The rate limit as a Fastify onRequest hook rather than a Nest guard, so that it counts every
 * request of a client address whatever it asks for: any route, the docs, a 404, a request that
 * fails authentication. It runs before the body is read. The client address is Fastify's
 * request.ip, which follows X-Forwarded-For only as far as TRUST_PROXY allows.
 *
 * Answers carry the IETF RateLimit fields (draft-ietf-httpapi-ratelimit-headers):
 * `RateLimit-Policy: "per-address";q=600;w=60` and `RateLimit: "per-address";r=599;t=42`
 * (r: requests left, t: seconds until the window resets). Past the limit: 429 in the error
 * shape with Retry-After.
 */
export function useRateLimit(fastify: FastifyInstance, limiter: RateLimiter): void {
  if (!limiter.enabled) return;
  const policy = `"${POLICY}";q=${limiter.settings.perMinute};w=${WINDOW_SECONDS}`;
  fastify.addHook('onRequest', async (request, reply): Promise<FastifyReply | undefined> => {
    if (UNCOUNTED_PATHS.has(pathOf(request.url))) return undefined;
    const decision = await limiter.hit(request.ip);
    switch (decision.kind) {
      case 'allowed':
        void reply
          .header('RateLimit-Policy', policy)
          .header('RateLimit', `"${POLICY}";r=${decision.remaining};t=${decision.resetSeconds}`);
        return undefined;
      case 'limited':
        return reply
          .header('RateLimit-Policy', policy)
          .header('RateLimit', `"${POLICY}";r=0;t=${decision.retryAfterSeconds}`)
          .header('Retry-After', String(decision.retryAfterSeconds))
          .status(429)
          .send(
            errorBody(
              429,
              `Too many requests from this address (${decision.limit} a minute); retry in ${decision.retryAfterSeconds} s.`,
            ),
          );
      case 'unknown':
        if (!decision.refuse) return undefined;
        return reply
          .header('Retry-After', String(STORE_DOWN_RETRY_AFTER_SECONDS))
          .status(503)
          .send(
            errorBody(503, 'The rate limit cannot be checked right now; retry the request later.'),
          );
    }
  });
}

function pathOf(url: string): string {
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}
