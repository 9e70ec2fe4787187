import { selfMetrics } from '@dynotel/core';
import { afterEach, describe, expect, it } from 'vitest';
import { type CanaryResult, createHealthState, type HealthState } from '../src/index.ts';
import { serve } from './probe.ts';
import { sleep, waitFor } from './support.ts';

const WAIT = 60;
const TIMEOUT = 150;
let health: HealthState | undefined;

afterEach(() => health?.close());

function canaryState(
  results: CanaryResult[],
  extra: Parameters<typeof createHealthState>[0] = {},
): HealthState {
  health = createHealthState({
    canaryEnabled: true,
    canaryWaitMs: WAIT,
    canaryTimeoutMs: TIMEOUT,
    onCanaryResult: (result) => results.push(result),
    ...extra,
  });
  return health;
}

const canaryTotal = () => selfMetrics.counter('dynotel_canary_total', '');

describe('canary', () => {
  it('a succeeding handler makes a target ready after the wait time, over /health', async () => {
    const results: CanaryResult[] = [];
    const state = canaryState(results);
    const probe = await serve(state);
    const payloads: unknown[] = [];
    state.registerEndpoint('ok_ep', {
      canary: {
        handler: async (payload) => {
          payloads.push(payload);
          return { text: 'hi' };
        },
        payload: { prompt: 'Test' },
      },
    });
    expect((await probe.health()).status).toBe(503);
    await waitFor(() => results.length >= 1, 3_000, 'first canary');
    expect(results[0]).toMatchObject({ endpoint: 'ok_ep', outcome: 'success' });
    expect(results[0]!.durationMs).toBeGreaterThanOrEqual(0);
    expect(payloads[0]).toEqual({ prompt: 'Test' });
    expect(await probe.health()).toMatchObject({ status: 200, body: { endpoints: { ok_ep: 'ready' } } });
    expect(canaryTotal().get({ endpoint: 'ok_ep', outcome: 'success' })).toBeGreaterThanOrEqual(1);
  });

  it('is repeated every wait time while the endpoint is idle', async () => {
    const results: CanaryResult[] = [];
    const state = canaryState(results);
    state.registerEndpoint('repeat_ep', { canary: { handler: () => 'ok' } });
    await waitFor(() => results.length >= 3, 5_000, 'three canaries');
    expect(results.every((r) => r.outcome === 'success')).toBe(true);
  });

  it('a failing handler (throw, reject, error item) makes the endpoint notready', async () => {
    const results: CanaryResult[] = [];
    const state = canaryState(results);
    const probe = await serve(state);
    const ep = state.registerEndpoint('fail_ep', {
      canary: {
        handler: () => {
          throw new Error('engine down');
        },
      },
    });
    ep.setReady(true);
    expect((await probe.health()).status).toBe(200);
    await waitFor(() => results.length >= 1, 3_000, 'failing canary');
    expect(results[0]).toMatchObject({ outcome: 'error' });
    expect((results[0]!.error as Error).message).toBe('engine down');
    expect(await probe.health()).toMatchObject({ status: 503, body: { endpoints: { fail_ep: 'notready' } } });

    state.registerEndpoint('reject_ep', { canary: { handler: () => Promise.reject(new Error('nope')) } });
    state.registerEndpoint('erritem_ep', {
      canary: {
        handler: async function* () {
          yield { error: 'CUDA out of memory' };
        },
      },
    });
    await waitFor(
      () =>
        results.some((r) => r.endpoint === 'reject_ep') && results.some((r) => r.endpoint === 'erritem_ep'),
    );
    expect(results.find((r) => r.endpoint === 'reject_ep')?.outcome).toBe('error');
    expect(results.find((r) => r.endpoint === 'erritem_ep')?.outcome).toBe('error');
    expect(canaryTotal().get({ endpoint: 'fail_ep', outcome: 'error' })).toBeGreaterThanOrEqual(1);
  });

  it('an empty stream is a failure', async () => {
    const results: CanaryResult[] = [];
    const state = canaryState(results);
    state.registerEndpoint('empty_ep', {
      canary: {
        handler: async function* () {
          if (Date.now() < 0) yield 'never';
        },
      },
    });
    await waitFor(() => results.length >= 1);
    expect(results[0]!.outcome).toBe('empty');
    expect(state.endpoint('empty_ep')?.status).toBe('notready');
  });

  it('a hanging handler times out (signal aborted), and a later success recovers', async () => {
    const results: CanaryResult[] = [];
    const state = canaryState(results);
    const probe = await serve(state);
    let mode: 'hang' | 'ok' = 'hang';
    let aborted = 0;
    state.registerEndpoint('hang_ep', {
      canary: {
        handler: (_payload, { signal }) => {
          if (mode === 'ok') return 'ok';
          return new Promise((resolve) => {
            signal.addEventListener('abort', () => {
              aborted++;
              resolve('late');
            });
          });
        },
      },
    });
    await waitFor(() => results.length >= 1, 3_000, 'timeout canary');
    expect(results[0]!.outcome).toBe('timeout');
    expect(results[0]!.durationMs).toBeGreaterThanOrEqual(TIMEOUT - 5);
    expect(aborted).toBe(1);
    expect((await probe.health()).status).toBe(503);
    mode = 'ok';
    await waitFor(() => results.some((r) => r.outcome === 'success'), 3_000, 'recovery');
    expect(await probe.health()).toMatchObject({ status: 200, body: { endpoints: { hang_ep: 'ready' } } });
    expect(canaryTotal().get({ endpoint: 'hang_ep', outcome: 'timeout' })).toBeGreaterThanOrEqual(1);
  });

  it('never runs concurrently with itself, even when each canary outlives the wait time', async () => {
    const results: CanaryResult[] = [];
    const state = canaryState(results, { canaryWaitMs: 10, canaryTimeoutMs: 1_000 });
    let running = 0;
    let maxRunning = 0;
    state.registerEndpoint('slow_ep', {
      canary: {
        handler: async () => {
          running++;
          maxRunning = Math.max(maxRunning, running);
          await sleep(40);
          running--;
          return 'ok';
        },
      },
    });
    await waitFor(() => results.length >= 4, 5_000, 'four canaries');
    expect(maxRunning).toBe(1);
  });

  it('only the first streamed item counts; the rest is drained in the background', async () => {
    const results: CanaryResult[] = [];
    const state = canaryState(results);
    let drained = false;
    state.registerEndpoint('stream_ep', {
      canary: {
        handler: async function* () {
          yield { token: 'a' };
          await sleep(TIMEOUT * 2); // longer than the timeout: the outcome must not wait for it
          yield { token: 'b' };
          throw new Error('late stream error'); // must not change the outcome or escape
        },
      },
    });
    await waitFor(() => results.length >= 1);
    // Had the outcome waited for the rest of the stream, it would be a timeout.
    expect(results[0]!.outcome).toBe('success');
    state.registerEndpoint('stream_drain_ep', {
      canary: {
        handler: async function* () {
          yield 1;
          yield 2;
          drained = true;
        },
      },
    });
    await waitFor(() => drained, 3_000, 'drain to the end');
  });

  it('a successful request resets the idle timer: busy endpoints get no canary', async () => {
    const results: CanaryResult[] = [];
    // A long wait, so a loaded machine's late timers cannot open a gap of idleness.
    const state = canaryState(results, { canaryWaitMs: 400 });
    const ep = state.registerEndpoint('busy_ep', { canary: { handler: () => 'ok' } });
    const until = Date.now() + 1_500;
    while (Date.now() < until) {
      ep.requestSucceeded();
      await sleep(20);
    }
    expect(results.filter((r) => r.endpoint === 'busy_ep')).toEqual([]);
    await waitFor(() => results.length >= 1, 3_000, 'canary after going idle');
  });

  it('DYN_HEALTH_CHECK_PAYLOAD replaces the endpoint payload', async () => {
    const results: CanaryResult[] = [];
    const state = canaryState(results, { canaryPayload: { token_ids: [1] } });
    const seen: unknown[] = [];
    state.registerEndpoint('payload_ep', {
      canary: { handler: (p) => seen.push(p), payload: { prompt: 'Test' } },
    });
    await waitFor(() => seen.length >= 1);
    expect(seen[0]).toEqual({ token_ids: [1] });
  });

  it('a throwing onCanaryResult does not stop the canary', async () => {
    let calls = 0;
    health = createHealthState({
      canaryEnabled: true,
      canaryWaitMs: WAIT,
      onCanaryResult: () => {
        calls++;
        throw new Error('listener bug');
      },
    });
    health.registerEndpoint('listener_ep', { canary: { handler: () => 'ok' } });
    await waitFor(() => calls >= 2, 3_000, 'two canaries');
    expect(health.endpoint('listener_ep')?.status).toBe('ready');
  });

  it('stops when the state leaves the running phase', async () => {
    const results: CanaryResult[] = [];
    const state = canaryState(results);
    state.registerEndpoint('stop_ep', { canary: { handler: () => 'ok' } });
    state.setPhase('draining');
    await sleep(WAIT * 3);
    expect(results).toEqual([]);
  });
});
