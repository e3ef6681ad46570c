import {
  ArgumentMetadata,
  BadRequestException,
  PipeTransform,
  ValidationPipe,
} from '@nestjs/common';
import { MAX_JSON_DEPTH } from '../http/json-body-parser';
import { rememberValidationMetadata } from './metadata-cache';

/**
 * Characters of validation messages an answer lists at most; the rest is summed up by one
 * message ("Further validation errors were omitted"). With the JSON parser's limits (see
 * common/http/json-body-parser.ts) an answer holds a few dozen messages at most anyway.
 */
export const MAX_ERROR_MESSAGES_LENGTH = 2_000;

/** The answer to a POST or PATCH that sent no body. */
export const BODY_REQUIRED = 'A JSON body is required (Content-Type: application/json)';

/** Nest's ValidationPipe with the body and query rules of this code base. */
class BodyAndQueryValidationPipe extends ValidationPipe {
  constructor() {
    super({
      whitelist: true,
      forbidNonWhitelisted: true,
      forbidUnknownValues: true,
      transform: true,
      transformOptions: { enableImplicitConversion: false },
      validationError: { target: false, value: false },
      maxErrorMessagesLength: MAX_ERROR_MESSAGES_LENGTH,
    });
  }

  protected override transformPrimitive(value: unknown, _metadata: ArgumentMetadata): unknown {
    return value;
  }
}

/** The types ValidationPipe never validates (its toValidate): their values pass as they are. */
const PRIMITIVES: ReadonlySet<unknown> = new Set([
  String,
  Boolean,
  Number,
  Array,
  Object,
  Buffer,
  Date,
]);

/**
 * Nest's ValidationPipe with its body and query rules (unknown fields rejected, DTOs transformed),
 * but without its conversion of single path parameters: it would turn "1e3" into 1000 before
 * ParseIdPipe could reject it. Path ids are parsed by ParseIdPipe alone.
 * Every query DTO's fields are optional (a rule of this code base), which the fast path relies on.
 * What ValidationPipe would hand back unchanged (path parameters of a primitive type, the
 * principal's custom decorator, an empty query) is returned at once, without the promise of an
 * async transform: three of them a request on a simple read.
 */
export class StrictValidationPipe implements PipeTransform {
  private readonly validation = new BodyAndQueryValidationPipe();

  constructor() {
    rememberValidationMetadata();
  }

  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    if (metadata.type === 'custom') return value;
    if (metadata.type === 'param' && (!metadata.metatype || PRIMITIVES.has(metadata.metatype))) {
      return value;
    }
    // an empty query string is every query DTO's defaults: no need to validate it */
    if (
      metadata.type === 'query' &&
      metadata.metatype &&
      value !== null &&
      typeof value === 'object' &&
      Object.keys(value).length === 0
    ) {
      return new (metadata.metatype as new () => object)();
    }
    if (metadata.type === 'body' && value === undefined && metadata.metatype) {
      throw new BadRequestException([BODY_REQUIRED]);
    }
    if (metadata.type === 'body' || metadata.type === 'query') refuseInheritedNames(value);
    return this.validation.transform(value, metadata);
  }
}

/**
 * Fields named like a member of Object.prototype (`constructor`, `toString`, `__proto__`, ...)
 * never reach the whitelist: the ValidationPipe deletes some of them and class-transformer skips
 * the others, so they would pass silently. They are unknown fields like any other: 400.
 */
function refuseInheritedNames(value: unknown, depth = 0): void {
  if (value === null || typeof value !== 'object' || depth > MAX_JSON_DEPTH) return;
  for (const key of Object.keys(value)) {
    if (key in Object.prototype || key === 'prototype') {
      throw new BadRequestException([`property ${key} should not exist`]);
    }
    refuseInheritedNames((value as Record<string, unknown>)[key], depth + 1);
  }
}
