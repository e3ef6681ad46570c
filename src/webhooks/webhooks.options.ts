/** The WEBHOOK_* settings (src/config/app-config.ts; README, "Webhooks"). */
export interface WebhookOptions {
  /** A delivery attempt that has no 2xx status within this many ms fails (WEBHOOK_TIMEOUT_MS). */
  timeoutMs: number;
  /** The waits before each retry, in ms (WEBHOOK_RETRY_SCHEDULE); a delivery gets 1 + length attempts. */
  retryScheduleMs: number[];
  /** An endpoint whose attempts have failed for this long with no success is disabled (WEBHOOK_DISABLE_AFTER). */
  disableAfterMs: number;
  /** How long a dispatcher owns the deliveries it claimed (WEBHOOK_LEASE_MS). */
  leaseMs: number;
  /** How often an idle dispatcher looks for work written by other processes (WEBHOOK_POLL_MS). */
  pollMs: number;
  /** Allow URLs that resolve to loopback, private, link-local... addresses (WEBHOOK_ALLOW_PRIVATE_NETWORKS). */
  allowPrivateNetworks: boolean;
  /** Refuse http:// URLs (NODE_ENV=production, unless WEBHOOK_ALLOW_HTTP=true). */
  requireHttps: boolean;
}

export const WEBHOOK_OPTIONS = Symbol('WEBHOOK_OPTIONS');

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `200ms`, `5s`, `2m`, `1h`, `1d` in milliseconds; undefined for anything else. */
export function parseWebhookDuration(raw: string): number | undefined {
  const match = /^(\d{1,9})(ms|s|m|h|d)$/.exec(raw.trim());
  return match ? Number(match[1]) * UNITS[match[2]] : undefined;
}

const DEFAULT_SCHEDULE = '5s,30s,2m,10m,1h,3h,6h,12h';

/**
 * Reads the WEBHOOK_* variables; pushes a message per bad value into `problems`. `integer` and
 * `boolean` are app-config's readers (the same messages as every other setting).
 */
export function webhookOptions(
  env: NodeJS.ProcessEnv,
  problems: string[],
  integer: (name: string, fallback: number, min: number, max: number) => number,
  boolean: (name: string, fallback: boolean) => boolean,
  production: boolean,
): WebhookOptions {
  const timeoutMs = integer('WEBHOOK_TIMEOUT_MS', 10_000, 100, 60_000);
  const leaseMs = integer('WEBHOOK_LEASE_MS', 30_000, 1000, 600_000);
  // an attempt (DNS and HTTP, both bounded by the timeout) must end well inside its lease, or
  // another dispatcher would take the delivery over and send it a second time
  if (leaseMs < 2 * timeoutMs) {
    problems.push(
      `WEBHOOK_LEASE_MS (${leaseMs}) must be at least twice WEBHOOK_TIMEOUT_MS (${timeoutMs})`,
    );
  }
  const rawSchedule = env.WEBHOOK_RETRY_SCHEDULE?.trim() || DEFAULT_SCHEDULE;
  const retryScheduleMs = rawSchedule.split(',').map((part) => parseWebhookDuration(part));
  const scheduleOk =
    retryScheduleMs.length <= 20 &&
    retryScheduleMs.every((ms) => ms !== undefined && ms >= 1 && ms <= 7 * 86_400_000);
  if (!scheduleOk) {
    problems.push(
      `WEBHOOK_RETRY_SCHEDULE must be 1 to 20 comma-separated waits such as 5s,30s,2m,10m,1h (each 1ms to 7d), got "${env.WEBHOOK_RETRY_SCHEDULE}"`,
    );
  }
  const rawDisable = env.WEBHOOK_DISABLE_AFTER?.trim() || '24h';
  const disableAfterMs = parseWebhookDuration(rawDisable);
  if (disableAfterMs === undefined || disableAfterMs < 1 || disableAfterMs > 365 * 86_400_000) {
    problems.push(
      `WEBHOOK_DISABLE_AFTER must be a duration such as 24h, 90m or 500ms (up to 365d), got "${env.WEBHOOK_DISABLE_AFTER}"`,
    );
  }
  return {
    timeoutMs,
    retryScheduleMs: scheduleOk ? (retryScheduleMs as number[]) : [],
    disableAfterMs: disableAfterMs ?? 86_400_000,
    leaseMs,
    pollMs: integer('WEBHOOK_POLL_MS', 2000, 50, 3_600_000),
    allowPrivateNetworks: boolean('WEBHOOK_ALLOW_PRIVATE_NETWORKS', false),
    requireHttps: production && !boolean('WEBHOOK_ALLOW_HTTP', false),
  };
}
