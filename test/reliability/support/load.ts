/**
 * A bounded load generator: `total` requests over `concurrency` keep-alive connections (fetch), each
 * with its own x-request-id, recording status and latency. Bounded in count; every request has a
 * per-request timeout so a stuck server fails the test instead of hanging it.
 */
export interface LoadResult {
  readonly id: string;
  /** HTTP status, or 0 when the request failed at the socket (refused, reset). */
  readonly status: number;
  readonly echoedId: string | null;
  readonly latencyMs: number;
  readonly startedAt: number;
  readonly endedAt: number;
}

export interface LoadOptions {
  readonly url: (index: number) => string;
  readonly total: number;
  readonly concurrency: number;
  readonly idPrefix: string;
  readonly timeoutMs?: number;
  /** Stop issuing new requests once this returns true (requests already sent finish). */
  readonly stop?: () => boolean;
  readonly headers?: (index: number) => Record<string, string>;
  /** Paced: request i is not sent before startedAt + i / perSecond seconds. */
  readonly pace?: { readonly startedAt: number; readonly perSecond: number };
  /** Called after each response (e.g. to send SIGTERM after N). */
  readonly onResult?: (result: LoadResult, done: number) => void;
}

export async function runLoad(options: LoadOptions): Promise<LoadResult[]> {
  const results: LoadResult[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < options.total && options.stop?.() !== true) {
      const index = next++;
      if (options.pace !== undefined) {
        const due = options.pace.startedAt + (index * 1000) / options.pace.perSecond;
        const wait = due - performance.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      }
      const id = `${options.idPrefix}-${index}`;
      const startedAt = performance.now();
      let status = 0;
      let echoedId: string | null = null;
      try {
        const response = await fetch(options.url(index), {
          headers: { 'x-request-id': id, ...options.headers?.(index) },
          signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
        });
        await response.arrayBuffer();
        status = response.status;
        echoedId = response.headers.get('x-request-id');
      } catch {
        status = 0;
      }
      const endedAt = performance.now();
      const result = { id, status, echoedId, latencyMs: endedAt - startedAt, startedAt, endedAt };
      results.push(result);
      options.onResult?.(result, results.length);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  return results;
}

/** The q-quantile (0..1) of the values, nearest rank. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

export async function until(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`${what}: not reached within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
