import { afterEach, describe, expect, it } from 'vitest';
import { type CanaryResult, createHealthState, type HealthState } from '../src/index.ts';
import { waitFor } from './support.ts';

// Regression found by test/reliability/hostile-canary.test.ts: a stream that stalled after its first
// item was drained in the background until the signal aborted, which it never did after a success, so
// every canary against such an engine kept one connection (and one pending stream) open forever.

let health: HealthState | undefined;
afterEach(() => health?.close());

describe('canary stream that stalls after its first item', () => {
  it('is cancelled (signal aborted, stream closed) within the canary timeout after a success', async () => {
    const results: CanaryResult[] = [];
    let open = 0;
    let aborted = 0;
    health = createHealthState({
      canaryEnabled: true,
      canaryWaitMs: 20,
      canaryTimeoutMs: 100,
      onCanaryResult: (result) => results.push(result),
    });
    health.registerEndpoint('generate', {
      canary: {
        handler: async function* (_payload, { signal }) {
          open++;
          signal.addEventListener('abort', () => aborted++);
          try {
            yield { token_ids: [1] };
            // The engine never sends the rest; like fetch, the wait ends only when the signal aborts.
            await new Promise((_resolve, reject) =>
              signal.addEventListener('abort', () => reject(signal.reason)),
            );
          } finally {
            open--;
          }
        },
      },
    });
    await waitFor(() => results.length >= 4, 5000);
    expect(results.slice(0, 4).map((r) => r.outcome)).toEqual(['success', 'success', 'success', 'success']);
    expect(health.endpoint('generate')?.status).toBe('ready');
    // Each stalled stream is cancelled at most one canary timeout after its first item: at most
    // timeout / wait + 1 are ever open, and none once the canaries stop.
    expect(open).toBeLessThanOrEqual(100 / 20 + 1);
    health.close();
    await waitFor(() => open === 0, 1000);
    expect(aborted).toBeGreaterThanOrEqual(results.filter((r) => r.outcome === 'success').length);
  });
});
