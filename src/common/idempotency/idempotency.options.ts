/** IDEMPOTENCY_TTL, in milliseconds: how long a key and its answer are kept (default 24 h). */
export interface IdempotencyOptions {
  ttlMs: number;
}

export const IDEMPOTENCY_OPTIONS = Symbol('IDEMPOTENCY_OPTIONS');
