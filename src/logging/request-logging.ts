import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { Logger as Pino } from 'pino';
import { errorBody } from '../common/errors/error-shape';

/**
 * Per request: the X-Request-Id response header, and one line when the request is answered. The
 * line has method, path (query values as `***`) and status, never headers or bodies, so no
 * token, cookie or password reaches a log. Lines logged inside a request (ErrorShapeFilter) take the id from the request
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
    const url = withoutQueryValues(request.url);
    const line = {
      reqId: request.id,
      req: { method: request.method, url, remoteAddress: request.ip },
      res: { statusCode },
      responseTime: Math.round(reply.elapsedTime),
    };
    const message = `${request.method} ${url} ${statusCode}`;
    // the error itself, with its stack, was logged by ErrorShapeFilter under the same reqId
    if (statusCode >= 500) root.error(line, message);
    else root.info(line, message);
    done();
  });
}

/** A query parameter's name is logged when it looks like one: short, letters, digits, `_ . - [ ]`. */
const PLAIN_NAME = /^[\w.[\]-]{1,40}$/;

/**
 * The URL for the log: the path, and the query's parameter names with every value as `***`
 * (`/workflows?access_token=***&limit=***`): a client may put a token in the query string.
 */
export function withoutQueryValues(url: string): string {
  const start = url.indexOf('?');
  if (start < 0) return url;
  // one pass over the pairs, appending to the logged text (no arrays of pairs)
  let logged = url.slice(0, start + 1);
  let separator = '';
  let from = start + 1;
  // the first '=' at or after `from`, searched again only once passed: one scan of the URL in all
  let equals = -1;
  while (from <= url.length) {
    let end = url.indexOf('&', from);
    if (end < 0) end = url.length;
    if (end > from) {
      if (equals < from) {
        equals = url.indexOf('=', from);
        if (equals < 0) equals = url.length;
      }
      const hasValue = equals < end;
      const name = url.slice(from, hasValue ? equals : end);
      logged += separator + (PLAIN_NAME.test(name) ? name : '***') + (hasValue ? '=***' : '');
      separator = '&';
    }
    from = end + 1;
  }
  return logged;
}

/** The root logger of each Fastify instance, for its clientErrorHandler (which Fastify binds to it). */
const clientErrorLoggers = new WeakMap<object, Pino>();

/** Lines for answers Node's HTTP parser gives before any route runs (see clientErrorHandler). */
export function useClientErrorLogging(fastify: FastifyInstance, root: Pino): void {
  clientErrorLoggers.set(fastify, root);
}

const CLIENT_ERRORS: Record<string, { statusCode: number; message: string }> = {
  ERR_HTTP_REQUEST_TIMEOUT: {
    statusCode: 408,
    message: 'The request did not arrive in time (REQUEST_TIMEOUT_MS)',
  },
  HPE_HEADER_OVERFLOW: { statusCode: 431, message: 'The request headers are too large' },
};
const MALFORMED = { statusCode: 400, message: 'The request is not valid HTTP' };

/**
 * Fastify's clientErrorHandler: what Node's HTTP server answers itself (malformed HTTP: 400, a
 * request whose headers and body did not arrive within REQUEST_TIMEOUT_MS: 408, headers too large:
 * 431), in the error shape and with an X-Request-Id, and one log line for it. Fastify's own
 * handler answers another shape and logs at trace level only.
 */
export function clientErrorHandler(
  this: FastifyInstance,
  err: NodeJS.ErrnoException,
  socket: Socket,
): void {
  // a connection the client reset: there is no one to answer
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const { statusCode, message } = CLIENT_ERRORS[err.code ?? ''] ?? MALFORMED;
  const reqId = randomUUID();
  clientErrorLoggers.get(this)?.info(
    {
      reqId,
      req: { remoteAddress: socket.remoteAddress },
      res: { statusCode },
      err: { code: err.code },
    },
    `client error ${statusCode} (${err.code ?? 'unknown'})`,
  );
  const answer = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (socket.writable && !answer?.headersSent) {
    const body = JSON.stringify(errorBody(statusCode, message));
    socket.write(
      `HTTP/1.1 ${statusCode} ${STATUS_CODES[statusCode]}\r\n` +
        `Content-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
        `X-Request-Id: ${reqId}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(err);
}
