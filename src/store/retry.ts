/**
 * Retries with exponential backoff, for transient database failures only. Auth errors, SQL errors and
 * timeouts are not retried: doing the same thing again cannot help and only delays the one clear error.
 */

/** SQLSTATEs worth another attempt: admin shutdown, too many connections, serialization/deadlock, connection class 08. */
const TRANSIENT_SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300', '40001', '40P01']);
/** Socket-level failures of postgres.js / node before or while connecting. */
const TRANSIENT_NETWORK = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN', 'CONNECTION_CLOSED', 'CONNECTION_DESTROYED']);

export function isTransient(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return false;
  if (TRANSIENT_SQLSTATES.has(code) || code.startsWith('08')) return true;
  return TRANSIENT_NETWORK.has(code);
}

/** The connection itself is gone (a terminated backend, a reset socket): other pooled connections may be too. */
export function isConnectionLoss(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return false;
  return code === '57P01' || code === '57P02' || code.startsWith('08') || ['ECONNRESET', 'EPIPE', 'CONNECTION_CLOSED', 'CONNECTION_DESTROYED', 'CONNECTION_ENDED'].includes(code);
}

export interface RetryOptions {
  /** Extra attempts after the first. */
  retries: number;
  /** First delay in ms; doubles each time, with jitter. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Decides whether this error may be retried (default: isTransient). */
  shouldRetry?: (err: unknown) => boolean;
  onRetry?: (err: unknown, attempt: number, delayMs: number) => void;
}

export async function withRetry<T>(fn: (attempt: number) => Promise<T>, opts: RetryOptions): Promise<T> {
  const base = opts.baseDelayMs ?? 250;
  const max = opts.maxDelayMs ?? 5000;
  const shouldRetry = opts.shouldRetry ?? isTransient;
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      if (attempt >= opts.retries || !shouldRetry(err)) throw err;
      const delay = Math.min(max, base * 2 ** attempt) * (0.5 + Math.random() / 2);
      opts.onRetry?.(err, attempt + 1, Math.round(delay));
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}
