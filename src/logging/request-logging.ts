import type { FastifyInstance } from 'fastify';
import type { Logger as Pino } from 'pino';

/**
 * Per request: the X-Request-Id response header, and one line when the request is answered. The
 * line has method, URL and status, never headers or bodies, so no token, cookie or password
 * reaches a log. Lines logged inside a request (ErrorShapeFilter) take the id from the request
 * itself: continuation-local storage would tax every request (about 20 µs of CPU on Node 20, whose
 * AsyncLocalStorage keeps promise hooks on).
 */
export function useRequestLogging(fastify: FastifyInstance, root: Pino): void {
  fastify.addHook('onRequest', (request, reply, done) => {
    void reply.header('X-Request-Id', request.id);
    done();
  });
  fastify.addHook('onResponse', (request, reply, done) => {
    const statusCode = reply.statusCode;
    const line = {
      reqId: request.id,
      req: { method: request.method, url: request.url, remoteAddress: request.ip },
      res: { statusCode },
      responseTime: Math.round(reply.elapsedTime),
    };
    const message = `${request.method} ${request.url} ${statusCode}`;
    // the error itself, with its stack, was logged by ErrorShapeFilter under the same reqId
    if (statusCode >= 500) root.error(line, message);
    else root.info(line, message);
    done();
  });
}
