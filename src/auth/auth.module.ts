import { DynamicModule, Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { JwtModule } from '@nestjs/jwt';
import { UnknownQueryGuard } from '../common/validation/unknown-query.guard';
import { AuthGuard } from './auth.guard';
import { AUTH_OPTIONS, type AuthOptions } from './auth.options';
import { TokenVerifier } from './token-verifier';

/** Bearer-token authentication and roles for every route (see AuthGuard). */
@Global()
@Module({})
export class AuthModule {
  static forRoot(options: AuthOptions): DynamicModule {
    return {
      module: AuthModule,
      imports: [JwtModule.register({})],
      providers: [
        { provide: AUTH_OPTIONS, useValue: options },
        TokenVerifier,
        { provide: APP_GUARD, useClass: AuthGuard },
        // after the token check: unknown query parameters answer 400 on every route
        { provide: APP_GUARD, useClass: UnknownQueryGuard },
      ],
      exports: [AUTH_OPTIONS, TokenVerifier],
    };
  }
}
