import type { OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { normalizeIp, ThrottlerStorageService, type ThrottlerStorage } from '@nestjs/throttler';
import type Redis from 'ioredis';
import type { Logger as Pino } from 'pino';
import { redactRedisUrl, type RateLimitStore } from './rate-limit.config';

export interface RateLimitSettings {
  /** Requests per window and client address; 0 turns the limit off. */
  perMinute: number;
  store: RateLimitStore;
  /** Refuse requests while the store is unreachable, rather than serve them uncounted. */
  failClosed: boolean;
}

/** What the limit says of one request. */
export type RateLimitDecision =
  | { kind: 'allowed'; limit: number; remaining: number; resetSeconds: number }
  | { kind: 'limited'; limit: number; retryAfterSeconds: number }
  /** The store did not answer: the request is served uncounted (fail open) or refused. */
  | { kind: 'unknown'; refuse: boolean };

export const WINDOW_SECONDS = 60;
/** The policy's name in the RateLimit and RateLimit-Policy headers. */
export const POLICY = 'per-address';
const WINDOW_MS = WINDOW_SECONDS * 1000;
/** How long start-up waits for the Redis connection before serving (fail open) without it. */
const CONNECT_WAIT_MS = 3000;

/**
 * Counts requests per client address in a fixed window, in this process's memory or in Redis
 * (@nest-lab/throttler-storage-redis: one Lua script a request, so replicas share the count).
 * A Redis that is down or slow never holds a request up: commands fail at once while it is
 * disconnected (no offline queue) and after 500 ms when it does not answer; the outage is logged
 * once when it begins and once when it ends.
 */
export class RateLimiter implements OnModuleInit, OnApplicationShutdown {
  private readonly storage: ThrottlerStorage & Partial<OnApplicationShutdown>;
  private readonly redis?: Redis;
  private storeDown = false;

  constructor(
    readonly settings: RateLimitSettings,
    private readonly logger: Pino,
  ) {
    if (settings.store.kind === 'redis') {
      // loaded only here: a service counting in its own memory never loads ioredis (its code,
      // once loaded, stays in the heap for the life of the process)
      /* eslint-disable @typescript-eslint/no-require-imports */
      const { default: RedisClient } = require('ioredis') as typeof import('ioredis');
      const { ThrottlerStorageRedisService } =
        require('@nest-lab/throttler-storage-redis') as typeof import('@nest-lab/throttler-storage-redis');
      /* eslint-enable @typescript-eslint/no-require-imports */
      this.redis = new RedisClient(settings.store.url, {
        enableOfflineQueue: false,
        maxRetriesPerRequest: 0,
        commandTimeout: 500,
        connectTimeout: 2000,
        // reconnect every 50 ms, 100 ms, ... up to every 2 s, for as long as it takes
        retryStrategy: (times) => Math.min(times * 50, 2000),
      });
      // reported through failed increments (and their log lines), not ioredis's console warning
      this.redis.on('error', () => undefined);
      this.storage = new ThrottlerStorageRedisService(this.redis);
    } else {
      this.storage = new ThrottlerStorageService();
    }
  }

  get enabled(): boolean {
    return this.settings.perMinute > 0;
  }

  async onModuleInit(): Promise<void> {
    const redis = this.redis;
    if (!redis || !this.enabled) return;
    const where = redactRedisUrl((this.settings.store as { url: string }).url);
    const ready = await new Promise<boolean>((resolve) => {
      if (redis.status === 'ready') return resolve(true);
      const timer = setTimeout(() => resolve(false), CONNECT_WAIT_MS);
      redis.once('ready', () => {
        clearTimeout(timer);
        resolve(true);
      });
    });
    if (ready) {
      this.logger.info({ context: 'RateLimit' }, `rate limit counted in Redis at ${where}`);
    } else {
      this.markDown(new Error(`no connection to ${where} within ${CONNECT_WAIT_MS} ms`));
    }
  }

  /** Counts one request from address and says whether it may proceed. */
  async hit(address: string): Promise<RateLimitDecision> {
    const limit = this.settings.perMinute;
    let record;
    try {
      record = await this.storage.increment(
        `rate-limit:${normalizeIp(address)}`,
        WINDOW_MS,
        limit,
        WINDOW_MS,
        POLICY,
      );
    } catch (err) {
      this.markDown(err);
      return { kind: 'unknown', refuse: this.settings.failClosed };
    }
    this.markUp();
    if (record.isBlocked) {
      return { kind: 'limited', limit, retryAfterSeconds: Math.max(1, record.timeToBlockExpire) };
    }
    return {
      kind: 'allowed',
      limit,
      remaining: Math.max(0, limit - record.totalHits),
      resetSeconds: Math.max(0, record.timeToExpire),
    };
  }

  private markDown(err: unknown): void {
    if (this.storeDown) return;
    this.storeDown = true;
    const consequence = this.settings.failClosed
      ? 'requests are refused with 503 (RATE_LIMIT_FAIL_CLOSED=true) until it answers again'
      : 'requests are served without a rate limit until it answers again';
    this.logger.error(
      { context: 'RateLimit' },
      `the rate limit store does not answer (${(err as Error).message ?? String(err)}): ${consequence}`,
    );
  }

  private markUp(): void {
    if (!this.storeDown) return;
    this.storeDown = false;
    this.logger.warn({ context: 'RateLimit' }, 'the rate limit store answers again');
  }

  async onApplicationShutdown(): Promise<void> {
    await this.storage.onApplicationShutdown?.();
    this.redis?.disconnect(false);
  }
}
