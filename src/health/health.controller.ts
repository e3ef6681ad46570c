import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Public } from '../auth/auth.decorators';
import { ApiErrors } from '../common/dto/api-errors.decorator';
import { HealthDto } from './health.dto';
import { HealthService } from './health.service';

@ApiTags('operations')
@Public()
@Controller('health')
export class HealthController {
  constructor(private readonly health: HealthService) {}

  @Get()
  @ApiOperation({
    summary:
      'Liveness and database reachability; 503 when the database does not answer or its schema is behind the code',
    description: 'No token needed, for load balancers and orchestrators.',
  })
  @ApiOkResponse({ type: HealthDto })
  @ApiErrors()
  check(): Promise<HealthDto> {
    return this.health.check();
  }
}
