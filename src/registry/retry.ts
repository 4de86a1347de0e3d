import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Retry policy shared by pull and push: back off and retry on network errors, 5xx and 429
 * (honouring `Retry-After`), never on other 4xx (the registry meant them).
 */
export interface RetryPolicy {
  /** Attempts in total, including the first (default 5). */
  readonly attempts: number;
  /** First backoff in milliseconds, doubled each time with jitter (default 250). */
  readonly baseDelay: number;
  /** Longest wait between attempts, `Retry-After` included (default 30 s). */
  readonly maxDelay: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 5, baseDelay: 250, maxDelay: 30_000 };

const TRANSIENT_CODES = new Set([
  'ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'ECONNABORTED', 'EAI_AGAIN', 'ENETUNREACH',
  'EHOSTUNREACH', 'ENOTFOUND', 'ERR_STREAM_PREMATURE_CLOSE', 'UND_ERR_SOCKET', 'EREMOTECLOSED',
]);

/** True for failures worth another attempt: the connection, not the request, went wrong. */
export function isTransientError(err: unknown): boolean {
  if (err instanceof RetryableStatus) return true;
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && TRANSIENT_CODES.has(code);
}

export function isRetryableStatus(status: number): boolean {
  return status === 429 || status >= 500;
}

/** Thrown inside a retried operation to ask for another attempt after `retryAfter` ms. */
export class RetryableStatus extends Error {
  constructor(readonly status: number, readonly retryAfter: number | undefined, message: string) {
    super(message);
  }
}

/** `Retry-After` as delta-seconds or an HTTP date, in milliseconds from now. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const when = Date.parse(trimmed);
  return Number.isNaN(when) ? undefined : Math.max(0, when - now);
}

export function backoff(policy: RetryPolicy, attempt: number): number {
  const exp = policy.baseDelay * 2 ** attempt;
  return Math.min(policy.maxDelay, exp / 2 + Math.random() * (exp / 2));
}

/**
 * Runs `op` until it succeeds, throws a non-transient error, or the attempts run out
 * (then the last error is rethrown). `op` receives the attempt number from 0.
 */
export async function withRetry<T>(policy: RetryPolicy, op: (attempt: number) => Promise<T>,
  onRetry?: (err: unknown, delay: number) => void): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await op(attempt);
    } catch (err) {
      if (!isTransientError(err) || attempt + 1 >= policy.attempts) throw err;
      const hinted = err instanceof RetryableStatus ? err.retryAfter : undefined;
      const delay = Math.min(policy.maxDelay, hinted ?? backoff(policy, attempt));
      onRetry?.(err, delay);
      await sleep(delay);
    }
  }
}
