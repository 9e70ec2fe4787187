import { diag } from '@dynotel/core';
import { canaryTotal } from './self-metrics.ts';

/**
 * A canary handler receives the payload in-process, as Dynamo's `engine.generate(payload)`. It may
 * return a value, a promise, or an async iterable (a stream); for a stream only the first item counts.
 * `signal` aborts when the canary times out, so a handler can cancel its work.
 */
export type CanaryHandler = (
  payload: Readonly<Record<string, unknown>>,
  context: { signal: AbortSignal },
) => unknown;

/** `empty`: the stream ended without an item. `error`: the handler threw/rejected or the first item is an error. */
export type CanaryOutcome = 'success' | 'error' | 'empty' | 'timeout';

export interface CanaryResult {
  readonly endpoint: string;
  readonly outcome: CanaryOutcome;
  readonly durationMs: number;
  /** The failure, for `error` outcomes (for logs; never served over HTTP). */
  readonly error?: unknown;
}

/**
 * Sends one canary and classifies the answer. Never throws. A stream's remaining items are drained
 * in the background so the handler is not left blocked on back-pressure, for at most `timeoutMs` more:
 * then the signal aborts and the stream is closed, so a stream that stalls after its first item (an
 * engine that keeps the connection open) cannot hold a connection per canary forever.
 */
export async function sendCanary(
  endpoint: string,
  handler: CanaryHandler,
  payload: Readonly<Record<string, unknown>>,
  timeoutMs: number,
): Promise<CanaryResult> {
  const started = performance.now();
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
    timer.unref();
  });
  let outcome: CanaryOutcome;
  let error: unknown;
  try {
    const answer = await Promise.race([firstItem(handler, payload, controller, timeoutMs), timeout]);
    if (answer === 'timeout') {
      outcome = 'timeout';
      controller.abort(new Error(`canary for '${endpoint}' timed out after ${timeoutMs} ms`));
    } else if (answer.kind === 'empty') {
      outcome = 'empty';
    } else if (isErrorItem(answer.value)) {
      outcome = 'error';
      error = answer.value;
    } else {
      outcome = 'success';
    }
  } catch (caught) {
    outcome = 'error';
    error = caught;
  } finally {
    clearTimeout(timer);
  }
  const durationMs = performance.now() - started;
  canaryTotal.inc({ endpoint, outcome });
  logOutcome(endpoint, outcome, error, timeoutMs);
  return error === undefined ? { endpoint, outcome, durationMs } : { endpoint, outcome, durationMs, error };
}

type First = { kind: 'item'; value: unknown } | { kind: 'empty' };

async function firstItem(
  handler: CanaryHandler,
  payload: Readonly<Record<string, unknown>>,
  controller: AbortController,
  drainMs: number,
): Promise<First> {
  const result = await handler(payload, { signal: controller.signal });
  if (!isAsyncIterable(result)) return { kind: 'item', value: result };
  const iterator = result[Symbol.asyncIterator]();
  const first = await iterator.next();
  if (first.done === true) return { kind: 'empty' };
  drainInBackground(iterator, controller, drainMs);
  return { kind: 'item', value: first.value };
}

function drainInBackground(
  iterator: AsyncIterator<unknown>,
  controller: AbortController,
  drainMs: number,
): void {
  const timer = setTimeout(() => {
    controller.abort(new Error(`canary stream still open ${drainMs} ms after its first item; cancelled`));
    // A handler that ignores the signal is closed from this side too (a generator parked at a yield).
    try {
      void Promise.resolve(iterator.return?.()).catch(() => {});
    } catch {}
  }, drainMs);
  timer.unref();
  void (async () => {
    try {
      while (!controller.signal.aborted) {
        const next = await iterator.next();
        if (next.done === true) return;
      }
      await iterator.return?.();
    } catch {
      // The first item already decided the outcome; a later stream error only ends the drain.
    } finally {
      clearTimeout(timer);
    }
  })();
}

/** An item "carrying an error": an Error, or an object whose `error` field is set (Dynamo's annotated error frame). */
function isErrorItem(value: unknown): boolean {
  if (value instanceof Error) return true;
  if (typeof value !== 'object' || value === null) return false;
  const field = (value as { error?: unknown }).error;
  return field !== undefined && field !== null && field !== false;
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator] === 'function'
  );
}

function logOutcome(endpoint: string, outcome: CanaryOutcome, error: unknown, timeoutMs: number): void {
  // Dynamo's log lines and levels (health_check.rs): timeout and empty warn, a failed request is an error.
  if (outcome === 'timeout')
    diag.warn('dynotel.health', `Health check timeout for ${endpoint}`, { timeoutMs });
  else if (outcome === 'empty') diag.warn('dynotel.health', `Health check for ${endpoint} returned no item`);
  else if (outcome === 'error') {
    diag.error('dynotel.health', `Health check request failed for ${endpoint}`, {
      error: error instanceof Error ? error.message : safeString(error),
    });
  }
}

function safeString(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
