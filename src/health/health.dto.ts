import { ApiProperty } from '@nestjs/swagger';

/** The answer of GET /health when the service and its database answer. */
export class HealthDto {
  @ApiProperty({ enum: ['ok'], example: 'ok' })
  status!: 'ok';

  @ApiProperty({ enum: ['up'], example: 'up' })
  database!: 'up';
}
