import type { NestApplicationOptions } from '@nestjs/common';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import helmet from '@fastify/helmet';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import type { Logger as Pino } from 'pino';
import type { AppConfig } from './config/app-config';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { useDepthLimitedJsonParser } from './common/http/json-body-parser';
import { errorBody } from './common/errors/error-shape';
import { ErrorShapeFilter } from './common/errors/error-shape.filter';
import { StrictValidationPipe } from './common/validation/strict-validation.pipe';
import { requestIdOf, ROOT_LOGGER } from './logging/logging.options';
import { useRequestLogging } from './logging/request-logging';
import { RateLimiter } from './rate-limit/rate-limiter';
import { useRateLimit } from './rate-limit/rate-limit.hook';
import type { TrustProxy } from './rate-limit/rate-limit.config';

export const DOCS_PATH = 'docs';

/** The HTTP platform, for main.ts and the e2e suites alike. */
export function createHttpAdapter(
  bodyLimitBytes: number,
  trustProxy: TrustProxy = false,
): FastifyAdapter {
  return new FastifyAdapter({
    bodyLimit: bodyLimitBytes,
    // request.ip (the rate limit's key, the log's remoteAddress) from X-Forwarded-For, as far as
    // the configured proxies vouch for it
    trustProxy,
    genReqId: requestIdOf,
    // errors fastify's router raises before any Nest code runs, in the one error shape
    frameworkErrors: (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
      const status = error.statusCode ?? 400;
      const message = FRAMEWORK_ERROR_MESSAGES[error.code] ?? 'The request URL is malformed';
      void reply.header('X-Request-Id', request.id).status(status).send(errorBody(status, message));
    },
  });
}

const FRAMEWORK_ERROR_MESSAGES: Record<string, string> = {
  FST_ERR_MAX_PARAM_LENGTH: 'A path parameter is longer than 100 characters',
  FST_ERR_BAD_URL: 'The request URL is malformed',
};

/**
 * Nest's own JSON parser is off: configureApp installs a depth-limited one. Start-up lines wait
 * for the pino logger that configureApp installs.
 */
export const APP_OPTIONS: NestApplicationOptions = { bodyParser: false, bufferLogs: true };

/**
 * Everything main.ts and the e2e suites share: validation, the error shape, Swagger.
 * Kept out of main.ts so that tests run the application exactly as it is served.
 */
export async function configureApp(
  app: NestFastifyApplication,
  config: Pick<AppConfig, 'corsOrigins'>,
): Promise<NestFastifyApplication> {
  // every Nest log line through the one pino logger (JSON, or pretty on a terminal)
  app.useLogger(app.get(Logger));
  const rootLogger = app.get<Pino>(ROOT_LOGGER);
  useRequestLogging(app.getHttpAdapter().getInstance(), rootLogger);
  useRateLimit(app.getHttpAdapter().getInstance(), app.get(RateLimiter));
  // security headers; the CSP lets Swagger UI's own scripts, styles and images load
  await app.register(helmet, {
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:', 'validator.swagger.io'],
        scriptSrc: ["'self'", "'unsafe-inline'"],
      },
    },
  });
  // with no origin configured, browsers' same-origin rule applies and no CORS hook runs
  if (config.corsOrigins.length > 0) {
    app.enableCors({
      origin: config.corsOrigins,
      allowedHeaders: ['authorization', 'content-type'],
      methods: ['GET', 'POST', 'PATCH', 'DELETE'],
    });
  }
  app.useGlobalPipes(new StrictValidationPipe());
  // also reached by fastify's own errors (malformed JSON, body too large) and unknown routes
  app.useGlobalFilters(new ErrorShapeFilter(rootLogger));
  useDepthLimitedJsonParser(app.getHttpAdapter().getInstance());

  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Recruitment workflows')
      .setDescription(
        'Workflows own interviews and todos. Deleting a workflow soft-deletes it and, in the same ' +
          'transaction, every active interview and todo linked to it. Soft-deleted rows answer 404. ' +
          'Errors share one shape: { statusCode, error, message }.',
      )
      .setVersion('1.0.0')
      .addServer('/', 'This server')
      .addTag(
        'workflows',
        'Recruitment workflows; deleting one cascades to its interviews and todos',
      )
      .addTag('interviews', 'Interviews, optionally linked to a workflow')
      .addTag('todos', 'Todos, optionally linked to a workflow')
      .addTag('admin', 'Orphan repair and retention (admin role)')
      .addTag('operations', 'Health check')
      .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' })
      .build(),
  );
  SwaggerModule.setup(DOCS_PATH, app, document, { jsonDocumentUrl: `${DOCS_PATH}-json` });
  return app;
}
