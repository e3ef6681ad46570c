import { ArgumentMetadata, ValidationPipe } from '@nestjs/common';

/**
 * Nest's ValidationPipe with its body and query rules (unknown fields rejected, DTOs transformed),
 * but without its conversion of single path parameters: it would turn "1e3" into 1000 before
 * ParseIdPipe could reject it. Path ids are parsed by ParseIdPipe alone.
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

  protected override transformPrimitive(value: unknown, _metadata: ArgumentMetadata): unknown {
    return value;
  }
}
