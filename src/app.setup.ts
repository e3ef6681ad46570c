import { UnauthorizedException, type NestApplicationOptions } from '@nestjs/common';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import type { Logger as Pino } from 'pino';
import { TokenVerifier } from './auth/token-verifier';
import type { AppConfig } from './config/app-config';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { useEntityTags } from './common/http/conditional-requests';
import { describeHttpSemantics } from './common/http/http-semantics.openapi';
import { useRetrySemantics } from './common/http/retry-semantics';
import { IdempotencyKeys } from './common/idempotency/idempotency-keys';
import { IdempotencyKeysRepository } from './common/idempotency/idempotency-keys.repository';
import { useDepthLimitedJsonParser } from './common/http/json-body-parser';
import { useSecurityHeaders } from './common/http/security-headers';
import { errorBody } from './common/errors/error-shape';
import { ErrorShapeFilter, WWW_AUTHENTICATE } from './common/errors/error-shape.filter';
import { completeDocument } from './common/dto/api-document';
import { StrictValidationPipe } from './common/validation/strict-validation.pipe';
import { requestIdOf, ROOT_LOGGER } from './logging/logging.options';
import {
  clientErrorHandler,
  useClientErrorLogging,
  useRequestLogging,
} from './logging/request-logging';
import { changeEventTypes, describeLinkedKinds, LinkedKinds, linkedKindModels } from './workflows';
import { describeEventTypes } from './change-feed/change-feed.openapi';
import { describeWebhookMessages } from './webhooks/webhooks.openapi';
import { RateLimiter } from './rate-limit/rate-limiter';
import { useRateLimit } from './rate-limit/rate-limit.hook';

export const DOCS_PATH = 'docs';

/** The HTTP settings of AppConfig. */
export type HttpLimits = Pick<
  AppConfig,
  'bodyLimitBytes' | 'requestTimeoutMs' | 'keepAliveTimeoutMs' | 'maxConnections' | 'trustProxy'
>;

/** The HTTP platform, for main.ts and the e2e suites alike. */
export function createHttpAdapter(limits: HttpLimits): FastifyAdapter {
  const adapter = new FastifyAdapter({
    bodyLimit: limits.bodyLimitBytes,
    // request.ip (the rate limit's key, the log's remoteAddress) from X-Forwarded-For, as far as
    // the configured proxies vouch for it
    trustProxy: limits.trustProxy,
    // headers and body must have arrived within this time (Node answers 408 otherwise); Node
    // checks every connectionsCheckingInterval, 30 s by default, so the check runs more often
    requestTimeout: limits.requestTimeoutMs,
    http: {
      // Node checks headersTimeout <= requestTimeout as it creates the server, before Fastify
      // sets requestTimeout on it: both given here, or a value above Node's 300 s default fails
      requestTimeout: limits.requestTimeoutMs,
      headersTimeout: limits.requestTimeoutMs,
      connectionsCheckingInterval: Math.min(1000, limits.requestTimeoutMs),
    },
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    // Node's own 400/408/431 answers, in the error shape and logged
    clientErrorHandler,
    genReqId: requestIdOf,
    // errors fastify's router raises before any Nest code runs, in the one error shape
    frameworkErrors: (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
      const status = error.statusCode ?? 400;
      const message = FRAMEWORK_ERROR_MESSAGES[error.code] ?? 'The request URL is malformed';
      void reply.header('X-Request-Id', request.id).status(status).send(errorBody(status, message));
    },
  });
  // connections beyond the cap are closed as soon as they are accepted
  adapter.getInstance().server.maxConnections = limits.maxConnections;
  return adapter;
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
 * Everything main.ts and the e2e suites share: validation, the error shape, Swagger (DOCS).
 * Kept out of main.ts so that tests run the application exactly as it is served.
 */
export function configureApp(
  app: NestFastifyApplication,
  config: Pick<AppConfig, 'corsOrigins' | 'docs' | 'idempotencyTtlMs' | 'requireIfMatch'>,
): NestFastifyApplication {
  // every Nest log line through the one pino logger (JSON, or pretty on a terminal)
  app.useLogger(app.get(Logger));
  const rootLogger = app.get<Pino>(ROOT_LOGGER);
  useRequestLogging(app.getHttpAdapter().getInstance(), rootLogger);
  useClientErrorLogging(app.getHttpAdapter().getInstance(), rootLogger);
  useRateLimit(app.getHttpAdapter().getInstance(), app.get(RateLimiter));
  useEntityTags(app.getHttpAdapter().getInstance());
  const tokens = app.get(TokenVerifier);
  useRetrySemantics(app.getHttpAdapter().getInstance(), {
    keys: new IdempotencyKeys(app.get(IdempotencyKeysRepository), config.idempotencyTtlMs),
    requireIfMatch: config.requireIfMatch,
    authenticate: (authorization) => tokens.authenticate(authorization),
    authenticated: (authorization) => tokens.authenticated(authorization),
  });
  // security headers; the CSP lets Swagger UI's own scripts, styles and images load
  useSecurityHeaders(app.getHttpAdapter().getInstance(), {
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
      // the headers of safe retries (README, How a client retries safely) in both directions
      allowedHeaders: [
        'authorization',
        'content-type',
        'idempotency-key',
        'if-match',
        'if-none-match',
      ],
      exposedHeaders: ['etag', 'idempotent-replayed', 'retry-after'],
      methods: ['GET', 'POST', 'PATCH', 'DELETE'],
    });
  }
  app.useGlobalPipes(new StrictValidationPipe());
  // also reached by fastify's own errors (malformed JSON, body too large) and unknown routes
  app.useGlobalFilters(new ErrorShapeFilter(rootLogger));
  useDepthLimitedJsonParser(app.getHttpAdapter().getInstance());

  if (config.docs !== 'off') useDocs(app, config.docs);
  return app;
}

/**
 * The OpenAPI document (`/docs-json`, `/docs-yaml`) and the Swagger UI (`/docs`); with DOCS=auth
 * every one of them needs a bearer token, of any role, as the API's routes do. (The document is
 * served by @nestjs/swagger's own Fastify routes, which Nest's guards do not reach: a hook checks
 * the token instead.)
 */
function useDocs(app: NestFastifyApplication, mode: 'public' | 'auth'): void {
  if (mode === 'auth') {
    const tokens = app.get(TokenVerifier);
    const docsPath = new RegExp(`^/${DOCS_PATH}(?:-json|-yaml)?(?:[/?]|$)`);
    app
      .getHttpAdapter()
      .getInstance()
      .addHook('onRequest', async (request, reply) => {
        if (!docsPath.test(request.url)) return;
        try {
          await tokens.authenticate(request.headers.authorization);
        } catch (err) {
          const message =
            err instanceof UnauthorizedException ? err.message : 'The token is not valid';
          return reply
            .status(401)
            .header('WWW-Authenticate', WWW_AUTHENTICATE)
            .send(errorBody(401, message));
        }
      });
  }
  const kinds = app.get(LinkedKinds).kinds();
  // built on the first request for it (then kept), not at start: a service whose documentation
  // nobody reads never builds it, nor compiles the code that builds it
  const buildDocument = (): OpenAPIObject => {
    const document = SwaggerModule.createDocument(
      app,
      new DocumentBuilder()
        .setTitle('Recruitment workflows')
        .setDescription(
          'Workflows own rows of several linked kinds (each has its tag). Deleting a workflow ' +
            'soft-deletes it and, in the same transaction, every active row linked to it. ' +
            "Soft-deleted rows answer 404. Every row belongs to one organization, the token's `org` " +
            'claim: rows of another organization answer 404 exactly as missing ones, and a link to ' +
            'its workflow 422. Errors share one shape: { statusCode, error, message }.',
        )
        .setVersion('1.0.0')
        .setLicense(
          'Proprietary (UNLICENSED)',
          'https://docs.npmjs.com/cli/configuring-npm/package-json#license',
        )
        .addServer('/', 'This server')
        .addTag('workflows', 'Recruitment workflows; deleting one cascades to its linked rows')
        .addTag(
          'deletions',
          'Every soft delete is a deletion record: the trash, bulk deletes, restore and purge by deletion',
        )
        .addTag('admin', 'Orphan repair and retention (admin role)')
        .addTag(
          'events',
          'The change feed: every change, written in its own transaction (admin or integration role)',
        )
        .addTag(
          'webhooks',
          'Endpoints that receive every change, signed per Standard Webhooks (admin; the integration role may read)',
        )
        .addTag('operations', 'Health check')
        .addBearerAuth({
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description:
            'A JWT with `sub` (user id), `role` (viewer, editor, admin, or integration: `GET /events` and the GETs of `/webhooks` only), `org` (organization id) and `exp`.',
        })
        .build(),
      { extraModels: linkedKindModels(kinds) },
    );
    describeLinkedKinds(document, kinds);
    describeEventTypes(document, changeEventTypes(kinds));
    describeWebhookMessages(document, changeEventTypes(kinds));
    describeHttpSemantics(document);
    completeDocument(document);
    return document;
  };
  SwaggerModule.setup(DOCS_PATH, app, buildDocument, {
    jsonDocumentUrl: `${DOCS_PATH}-json`,
    customSiteTitle: 'Recruitment workflows API',
  });
}
