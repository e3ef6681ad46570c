import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Params } from 'nestjs-pino';
import { pino, type DestinationStream, type Logger as Pino } from 'pino';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export type LogFormat = 'json' | 'pretty';

export interface LoggingOptions {
  /** LOG_LEVEL, default info. */
  level: LogLevel;
  /** LOG_FORMAT: one JSON object a line, or pino-pretty's colored lines for a terminal. */
  format: LogFormat;
  /** Where JSON lines go instead of stdout (the e2e suites keep them, shown when a test fails). */
  destination?: DestinationStream;
}

export const REQUEST_ID_HEADER = 'x-request-id';

/** A caller's id is kept only when it cannot forge log structure: short, no spaces or quotes. */
const ACCEPTED_REQUEST_ID = /^[\w.:-]{1,128}$/;

/**
 * The request id (fastify's genReqId): the caller's X-Request-Id when it is a plain token, so a
 * request can be followed through a proxy, else a new UUID. The request-logging hooks echo it in
 * the X-Request-Id response header and log it as `reqId`.
 */
export function requestIdOf(req: IncomingMessage): string {
  const incoming = req.headers[REQUEST_ID_HEADER];
  return typeof incoming === 'string' && ACCEPTED_REQUEST_ID.test(incoming)
    ? incoming
    : randomUUID();
}

/** The injection token of the root pino logger (for the request-logging hooks). */
export const ROOT_LOGGER = Symbol('ROOT_LOGGER');

/** The one pino logger of the process: JSON lines on stdout, or pino-pretty for a terminal. */
export function createRootLogger(options: LoggingOptions): Pino {
  if (options.format === 'pretty') {
    return pino({
      level: options.level,
      transport: {
        target: 'pino-pretty',
        options: {
          singleLine: true,
          translateTime: 'SYS:HH:MM:ss.l',
          ignore: 'pid,hostname,req,res',
        },
      },
    });
  }
  if (options.destination) return pino({ level: options.level }, options.destination);
  // written asynchronously: under load, lines that arrive while a write is under way go out
  // together in the next one, rather than a blocking write(2) a line
  return pino({ level: options.level }, pino.destination({ dest: 1, sync: false }));
}

/**
 * nestjs-pino on the root logger, for every Nest log line. Its HTTP middleware (pino-http) is
 * not mounted (no routes): on Fastify it cost about a third of the throughput of a simple read,
 * so the request id header and the request line come from Fastify hooks (useRequestLogging).
 */
export function loggerParams(root: Pino): Params {
  return { pinoHttp: { logger: root }, forRoutes: [] };
}
