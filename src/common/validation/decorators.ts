import { applyDecorators } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  IsInt,
  Max,
  Min,
  ValidateBy,
  ValidateIf,
  ValidationOptions,
  buildMessage,
} from 'class-validator';
import { MALFORMED_CURSOR, tryDecodeCursor } from '../pagination/cursor';
import { MAX_ID } from './limits';

/** Absent is fine, null is not: for optional fields of columns that are NOT NULL. */
export const IsOptionalNotNull = (): PropertyDecorator =>
  ValidateIf((_object, value) => value !== undefined);

/** Absent or null are both fine: for nullable columns. */
export const IsOptionalOrNull = (): PropertyDecorator =>
  ValidateIf((_object, value) => value !== undefined && value !== null);

/** A positive integer that fits the INT id columns; described so in the OpenAPI document. */
export const IsEntityId = (options?: ValidationOptions): PropertyDecorator =>
  applyDecorators(
    ApiProperty({ type: 'integer', minimum: 1, maximum: MAX_ID }),
    IsInt(options),
    Min(1, options),
    Max(MAX_ID, options),
  );

/**
 * A string of `min`..`max` characters that is valid Unicode (no lone surrogates, which the
 * drivers would silently replace, so that what is stored is what the client sent).
 */
export function IsText(min: number, max: number): PropertyDecorator {
  const validator = ValidateBy({
    name: 'isText',
    constraints: [min, max],
    validator: {
      validate: (value: unknown) =>
        typeof value === 'string' &&
        value.length >= min &&
        value.length <= max &&
        value.isWellFormed(),
      defaultMessage: buildMessage(
        (each) =>
          `${each}$property must be a string of ${min} to ${max} characters of valid Unicode`,
      ),
    },
  });
  return applyDecorators(
    ApiProperty({ type: 'string', minLength: min, maxLength: max }),
    validator,
  );
}

const MIN_TIMESTAMP = Date.parse('1000-01-01T00:00:00.000Z');
const MAX_TIMESTAMP = Date.parse('9999-12-31T23:59:59.999Z');
const ISO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

/** An ISO 8601 timestamp with a time zone, within the range DATETIME columns hold. */
export function IsTimestamp(): PropertyDecorator {
  return ValidateBy({
    name: 'isTimestamp',
    validator: {
      validate: (value: unknown) => {
        if (typeof value !== 'string' || !ISO_TIMESTAMP.test(value)) return false;
        const time = Date.parse(value);
        return (
          Number.isFinite(time) &&
          time >= MIN_TIMESTAMP &&
          time <= MAX_TIMESTAMP &&
          sameCalendarDate(value)
        );
      },
      defaultMessage: buildMessage(
        (each) =>
          `${each}$property must be an ISO 8601 timestamp with a time zone (for example 2025-10-02T09:30:00.000Z) between the years 1000 and 9999`,
      ),
    },
  });
}

/** Date.parse rolls 2025-02-31 over to March; reject dates that do not exist. */
function sameCalendarDate(value: string): boolean {
  const [year, month, day] = value.slice(0, 10).split('-').map(Number);
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/** A cursor this service issued (see common/pagination/cursor.ts). */
export function IsPageCursor(): PropertyDecorator {
  return ValidateBy({
    name: 'isPageCursor',
    validator: {
      validate: (value: unknown) => typeof value === 'string' && tryDecodeCursor(value) !== null,
      defaultMessage: buildMessage(() => MALFORMED_CURSOR),
    },
  });
}

/** Query strings arrive as text: turn a string of digits into a number, leave anything else for the validators to reject. */
export const ToInteger = (): PropertyDecorator =>
  Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' && /^-?\d{1,16}$/.test(value) ? Number(value) : value,
  );

/** `a,b` in a query string becomes ['a', 'b']. */
export const ToList = (): PropertyDecorator =>
  Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' ? value.split(',').map((part) => part.trim()) : value,
  );
