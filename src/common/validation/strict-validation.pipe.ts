import {
  ArgumentMetadata,
  BadRequestException,
  PipeTransform,
  ValidationPipe,
} from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { MAX_JSON_DEPTH } from '../http/json-body-parser';
import { compiledRulesOf, passes } from './compiled-rules';
import { plainInstance, transformsOf } from './plain-instance';
import { rememberValidationMetadata } from './metadata-cache';

/**
 * Characters of validation messages an answer lists at most; the rest is summed up by one
 * message ("Further validation errors were omitted"). With the JSON parser's limits (see
 * common/http/json-body-parser.ts) an answer holds a few dozen messages at most anyway.
 */
export const MAX_ERROR_MESSAGES_LENGTH = 2_000;

/** The answer to a POST or PATCH that sent no body. */
export const BODY_REQUIRED = 'A JSON body is required (Content-Type: application/json)';

/** class-transformer's options of the ValidationPipe below. */
const TRANSFORM_OPTIONS = { enableImplicitConversion: false };

/** Nest's ValidationPipe with the body and query rules of this code base. */
class BodyAndQueryValidationPipe extends ValidationPipe {
  constructor() {
    super({
      whitelist: true,
      forbidNonWhitelisted: true,
      forbidUnknownValues: true,
      transform: true,
      transformOptions: TRANSFORM_OPTIONS,
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
    const valid = validFlatValue(value, metadata);
    if (valid !== undefined) return valid;
    return this.validation.transform(value, metadata);
  }
}

/**
 * The instance ValidationPipe would answer for a value that passes every rule, computed without
 * its per-call work, or undefined to let ValidationPipe decide: the value's fields all hold JSON
 * primitives (so ValidationPipe's steps for arrays, nested objects and binary values do nothing,
 * and refuseInheritedNames has already turned down the names its prototype stripping deletes),
 * the class's rules are ones compiled-rules.ts reproduces, and the instance, built as
 * class-transformer builds it for ValidationPipe (by a plain copy, through the fields' @Transform
 * functions, where no other class-transformer decorator plays a part: plain-instance.ts), passes them all. Any error at all, or any doubt,
 * goes to ValidationPipe, which validates the value again and words the 400 as always: the
 * answer to an invalid request does not change, only a valid one is answered sooner.
 */
function validFlatValue(value: unknown, metadata: ArgumentMetadata): object | undefined {
  const metatype = metadata.metatype;
  if (
    (metadata.type !== 'body' && metadata.type !== 'query') ||
    !metatype ||
    PRIMITIVES.has(metatype) ||
    value === null ||
    typeof value !== 'object' ||
    Array.isArray(value)
  ) {
    return undefined;
  }
  for (const key in value) {
    const field = (value as Record<string, unknown>)[key];
    if (field !== null && typeof field === 'object') return undefined;
  }
  const compiled = compiledRulesOf(metatype);
  if (compiled === null) return undefined;
  const transforms = transformsOf(metatype, compiled.known);
  const instance: unknown =
    transforms !== null
      ? plainInstance(metatype as new () => object, value as Record<string, unknown>, transforms)
      : plainToInstance(metatype as new () => object, value, TRANSFORM_OPTIONS);
  if (instance === null || typeof instance !== 'object' || instance.constructor !== metatype) {
    return undefined;
  }
  return passes(compiled, instance) ? instance : undefined;
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
