import { ArgumentMetadata, ValidationPipe } from '@nestjs/common';

/**
 * Nest's ValidationPipe with its body and query rules (unknown fields rejected, DTOs transformed),
 * but without its conversion of single path parameters: it would turn "1e3" into 1000 before
 * ParseIdPipe could reject it. Path ids are parsed by ParseIdPipe alone.
 * Every query DTO's fields are optional (a rule of this code base), which the fast path relies on.
 */
export class StrictValidationPipe extends ValidationPipe {
  constructor() {
    super({
      whitelist: true,
      forbidNonWhitelisted: true,
      forbidUnknownValues: true,
      transform: true,
      transformOptions: { enableImplicitConversion: false },
      validationError: { target: false, value: false },
    });
  }

  /** A query string with no parameters is every query DTO's defaults: no need to validate it. */
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (
      metadata.type === 'query' &&
      metadata.metatype &&
      value !== null &&
      typeof value === 'object' &&
      Object.keys(value).length === 0
    ) {
      return new (metadata.metatype as new () => object)();
    }
    return super.transform(value, metadata);
  }

  protected override transformPrimitive(value: unknown, _metadata: ArgumentMetadata): unknown {
    return value;
  }
}
