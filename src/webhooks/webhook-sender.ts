import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { UnsafeUrlError, vetUrl, type AddressRules, type Resolver } from './address-policy';

/** What one attempt gave: a status (when an answer came), its time, and why it failed. */
export interface AttemptResult {
  ok: boolean;
  statusCode: number | null;
  latencyMs: number;
  error: string | null;
}

/** One message as Standard Webhooks defines it: the id, the time and the JSON body. */
export interface WebhookMessage {
  /** `webhook-id`: the event id (the same on every retry), `ping-<delivery id>` for a ping. */
  id: string;
  type: string;
  /** The body's `timestamp`: when the event occurred. */
  timestamp: string;
  data: unknown;
}

const USER_AGENT = 'recruitment-workflows-webhooks/1';

/**
 * Sends one attempt: the URL checked again (DNS may have changed since it was accepted) and the
 * connection made to the very address that was checked (a `lookup` that answers it, so a
 * second resolution cannot rebind the host to an internal one); signed per Standard Webhooks;
 * redirects are never followed (a 3xx is a failure); the whole attempt, DNS included, is
 * bounded by `timeoutMs`. Never throws.
 */
export async function sendAttempt(
  rawUrl: string,
  secret: string,
  message: WebhookMessage,
  timeoutMs: number,
  rules: AddressRules,
  { now = new Date(), resolve }: { now?: Date; resolve?: Resolver } = {},
): Promise<AttemptResult> {
  const started = performance.now();
  const signal = AbortSignal.timeout(timeoutMs);
  const elapsed = () => Math.round(performance.now() - started);
  const failed = (error: string, statusCode: number | null = null): AttemptResult => ({
    ok: false,
    statusCode,
    latencyMs: elapsed(),
    error: error.slice(0, 255),
  });
  try {
    const target = await Promise.race([
      vetUrl(rawUrl, rules, resolve),
      new Promise<never>((_, reject) => {
        signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true });
      }),
    ]);
    const body = JSON.stringify({
      type: message.type,
      timestamp: message.timestamp,
      data: message.data,
    });
    const signature = new Webhook(secret).sign(message.id, now, body);
    const pinned: LookupFunction = (_host, options, callback) => {
      if (options.all) {
        callback(null, [{ address: target.address, family: target.family }]);
      } else {
        callback(null, target.address, target.family);
      }
    };
    const response = await new Promise<IncomingMessage>((resolve, reject) => {
      const send = target.url.protocol === 'https:' ? httpsRequest : httpRequest;
      const req = send(
        target.url,
        {
          method: 'POST',
          lookup: pinned,
          // a fresh connection per attempt: a pooled one may lead to an address vetted earlier
          agent: false,
          signal,
          headers: {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
            'user-agent': USER_AGENT,
            'webhook-id': message.id,
            'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
            'webhook-signature': signature,
          },
        },
        resolve,
      );
      req.on('error', reject);
      req.end(body);
    });
    // the answer's body is not read: only its status matters
    response.destroy();
    const status = response.statusCode ?? 0;
    if (status >= 200 && status < 300) {
      return { ok: true, statusCode: status, latencyMs: elapsed(), error: null };
    }
    if (status >= 300 && status < 400) {
      const location = response.headers.location;
      return failed(
        `redirect not followed (HTTP ${status}${location ? ` to ${location}` : ''})`,
        status,
      );
    }
    return failed(`HTTP ${status}`, status);
  } catch (err) {
    if (signal.aborted) return failed(`no answer within ${timeoutMs} ms`);
    if (err instanceof UnsafeUrlError) return failed(err.message);
    const code = (err as NodeJS.ErrnoException).code;
    return failed(code ? `${code}: ${(err as Error).message}` : (err as Error).message);
  }
}
