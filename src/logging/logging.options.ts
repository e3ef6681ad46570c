import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Params } from 'nestjs-pino';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export type LogFormat = 'json' | 'pretty';

export interface LoggingOptions {
  /** LOG_LEVEL, default info. */
  level: LogLevel;
  /** LOG_FORMAT: one JSON object a line, or pino-pretty's colored lines for a terminal. */
  format: LogFormat;
}

export const REQUEST_ID_HEADER = 'x-request-id';

/** A caller's id is kept only when it cannot forge log structure: short, no spaces or quotes. */
const ACCEPTED_REQUEST_ID = /^[\w.:-]{1,128}$/;

/**
 * The request id (fastify's genReqId): the caller's X-Request-Id when it is a plain token, so a
 * request can be followed through a proxy, else a new UUID. configureApp echoes it in the
 * X-Request-Id response header, and pino-http logs it as `reqId`.
 */
export function requestIdOf(req: IncomingMessage): string {
  const incoming = req.headers[REQUEST_ID_HEADER];
  return typeof incoming === 'string' && ACCEPTED_REQUEST_ID.test(incoming)
    ? incoming
    : randomUUID();
}

/**
 * nestjs-pino's options. Lines logged while a request runs carry its `reqId`; the request line
 * has method, url and status but never headers or bodies, so no token or password reaches a log.
 */
export function loggerParams(options: LoggingOptions): Params {
  return {
    pinoHttp: {
      level: options.level,
      // lines logged inside a request carry only { reqId }, not the whole request
      quietReqLogger: true,
      serializers: {
        req: (req: { id: unknown; method: string; url: string; remoteAddress?: string }) => ({
          id: req.id,
          method: req.method,
          url: req.url,
          remoteAddress: req.remoteAddress,
        }),
        res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      },
      customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : 'info'),
      customSuccessMessage: (req, res) => `${req.method} ${req.url} ${res.statusCode}`,
      customErrorMessage: (req, res) => `${req.method} ${req.url} ${res.statusCode}`,
      // the error itself, with its stack, is logged by ErrorShapeFilter under the same reqId;
      // pino-http's stand-in ("failed with status code 500") would only add a stack of its own
      customErrorObject: (_req, _res, _err, { err: _standIn, ...line }: Record<string, unknown>) =>
        line,
      transport:
        options.format === 'pretty'
          ? {
              target: 'pino-pretty',
              options: {
                singleLine: true,
                translateTime: 'SYS:HH:MM:ss.l',
                ignore: 'pid,hostname,req,res',
              },
            }
          : undefined,
    },
  };
}
