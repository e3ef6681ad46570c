import type { NestApplicationOptions } from '@nestjs/common';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { useDepthLimitedJsonParser } from './common/http/json-body-parser';
import { ErrorShapeFilter } from './common/errors/error-shape.filter';
import { StrictValidationPipe } from './common/validation/strict-validation.pipe';

export const DOCS_PATH = 'docs';

/** The HTTP platform, for main.ts and the e2e suites alike. */
export function createHttpAdapter(bodyLimitBytes: number): FastifyAdapter {
  return new FastifyAdapter({ bodyLimit: bodyLimitBytes });
}

/** Nest's own JSON parser is off: configureApp installs a depth-limited one. */
export const APP_OPTIONS: NestApplicationOptions = { bodyParser: false };

/**
 * Everything main.ts and the e2e suites share: validation, the error shape, Swagger.
 * Kept out of main.ts so that tests run the application exactly as it is served.
 */
export function configureApp(app: NestFastifyApplication): NestFastifyApplication {
  app.useGlobalPipes(new StrictValidationPipe());
  // also reached by fastify's own errors (malformed JSON, body too large) and unknown routes
  app.useGlobalFilters(new ErrorShapeFilter());
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
      .build(),
  );
  SwaggerModule.setup(DOCS_PATH, app, document, { jsonDocumentUrl: `${DOCS_PATH}-json` });
  return app;
}
