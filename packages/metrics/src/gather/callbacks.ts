import { diag } from '@dynotel/core';
import { callbackFailures } from '../self-metrics.ts';

const UPDATE = { kind: 'update' } as const;
const EXPOSITION = { kind: 'exposition' } as const;

function report(kind: 'update' | 'exposition', error: unknown): void {
  callbackFailures.inc(kind === 'update' ? UPDATE : EXPOSITION);
  const message =
    kind === 'update' ? 'Error executing metrics callback' : 'Error executing exposition text callback';
  diag.warn('dynotel.metrics', message, { error: error instanceof Error ? error.message : String(error) });
}

/**
 * Calls every callback in order (synchronous ones finish in that order, as in Dynamo), then waits for
 * the asynchronous ones together, at most `timeoutMs`. A throw, a rejection or a timeout is logged and
 * counted and yields `undefined` for that callback; it never fails the scrape.
 */
export async function runCallbacks<T>(
  kind: 'update' | 'exposition',
  callbacks: ReadonlyArray<() => T | Promise<T>>,
  timeoutMs: number,
): Promise<Array<T | undefined>> {
  const results: Array<T | undefined> = new Array(callbacks.length).fill(undefined);
  const pending: Array<Promise<void>> = [];
  callbacks.forEach((callback, index) => {
    try {
      const result = callback();
      if (result instanceof Promise || (typeof result === 'object' && result !== null && 'then' in result)) {
        pending.push(
          Promise.resolve(result).then(
            (value) => {
              results[index] = value;
            },
            (error: unknown) => report(kind, error),
          ),
        );
      } else {
        results[index] = result;
      }
    } catch (error) {
      report(kind, error);
    }
  });
  if (pending.length === 0) return results;
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
    timer.unref();
  });
  const outcome = await Promise.race([Promise.all(pending), timedOut]);
  clearTimeout(timer);
  if (outcome === 'timeout') {
    report(kind, new Error(`callbacks did not settle within ${timeoutMs} ms`));
    // Late results are ignored: copy what settled in time.
    return [...results];
  }
  return results;
}
