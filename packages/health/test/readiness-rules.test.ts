import { selfMetrics } from '@dynotel/core';
import { describe, expect, it } from 'vitest';
import { createHealthState } from '../src/index.ts';
import { serve } from './probe.ts';
import { expectDynotelError } from './support.ts';

// Dynamo's readiness rules (reference §6.2, lib/runtime/src/system_health.rs L61-161), over real sockets.
describe('readiness rules', () => {
  it('rule 3: without endpoints or targets, the process status decides (starting status notready by default)', async () => {
    const health = createHealthState();
    const probe = await serve(health);
    expect((await probe.health()).status).toBe(503);
    health.setProcessStatus('ready');
    expect(await probe.health()).toMatchObject({ status: 200, body: { status: 'ready', endpoints: {} } });
    health.setProcessStatus('notready');
    expect((await probe.health()).status).toBe(503);
  });

  it('rule 3: DYN_SYSTEM_STARTING_HEALTH_STATUS=ready starts ready', async () => {
    const probe = await serve(createHealthState({ startingStatus: 'ready' }));
    expect(await probe.health()).toMatchObject({ status: 200, body: { status: 'ready' } });
  });

  it('an unlisted endpoint that starts serving is shown but does not decide over the process status', async () => {
    const health = createHealthState();
    const probe = await serve(health);
    health.registerEndpoint('generate');
    expect(await probe.health()).toMatchObject({ status: 503, body: { endpoints: { generate: 'ready' } } });
  });

  it('rule 1: listed endpoints must all be ready; they start at the starting status and become ready when serving', async () => {
    const health = createHealthState({ endpointHealthStatus: ['generate', 'clear_kv_blocks'] });
    const probe = await serve(health);
    expect(await probe.health()).toMatchObject({
      status: 503,
      body: { endpoints: { clear_kv_blocks: 'notready', generate: 'notready' } },
    });
    health.registerEndpoint('generate');
    expect((await probe.health()).status).toBe(503);
    const kv = health.registerEndpoint('clear_kv_blocks');
    expect(await probe.health()).toMatchObject({ status: 200, body: { status: 'ready' } });
    // The process status is ignored once a list exists ...
    health.setProcessStatus('notready');
    expect((await probe.health()).status).toBe(200);
    // ... and one listed endpoint going notready fails readiness.
    kv.setReady(false);
    expect(await probe.health()).toMatchObject({
      status: 503,
      body: { endpoints: { clear_kv_blocks: 'notready' } },
    });
    health.setEndpointReady('clear_kv_blocks', true);
    expect((await probe.health()).status).toBe(200);
  });

  it('rule 1: listed endpoints start ready when the starting status is ready (canary off)', async () => {
    const probe = await serve(
      createHealthState({ endpointHealthStatus: ['generate'], startingStatus: 'ready' }),
    );
    expect(await probe.health()).toMatchObject({ status: 200, body: { endpoints: { generate: 'ready' } } });
  });

  it('rule 1: with the canary on, listed endpoints start notready even when the starting status is ready', async () => {
    const health = createHealthState({
      endpointHealthStatus: ['generate'],
      startingStatus: 'ready',
      canaryEnabled: true,
    });
    const probe = await serve(health);
    expect(await probe.health()).toMatchObject({
      status: 503,
      body: { endpoints: { generate: 'notready' } },
    });
    // Serving does not make it ready when the canary is on: the canary (or the application) decides.
    health.registerEndpoint('generate');
    expect((await probe.health()).status).toBe(503);
    health.endpoint('generate')?.setReady(true);
    expect((await probe.health()).status).toBe(200);
    health.close();
  });

  it('rule 2: without a list, canary targets must all be ready (canary off: they become ready when serving)', async () => {
    const health = createHealthState();
    const probe = await serve(health);
    const handler = () => 'ok';
    const a = health.registerEndpoint('a', { canary: { handler } });
    health.registerEndpoint('b', { canary: { handler } });
    expect(a.isCanaryTarget).toBe(true);
    // Targets exist, so the process status (notready) no longer decides.
    expect(await probe.health()).toMatchObject({
      status: 200,
      body: { endpoints: { a: 'ready', b: 'ready' } },
    });
    a.setReady(false);
    expect((await probe.health()).status).toBe(503);
  });

  it('rule 2: with the canary on, a target starts notready until its canary succeeds', async () => {
    const health = createHealthState({
      canaryEnabled: true,
      startingStatus: 'ready',
      canaryWaitMs: 60_000,
    });
    const probe = await serve(health);
    expect((await probe.health()).status).toBe(200);
    health.registerEndpoint('generate', { canary: { handler: () => 'ok' } });
    expect(await probe.health()).toMatchObject({
      status: 503,
      body: { endpoints: { generate: 'notready' } },
    });
    health.close();
  });

  it('a canary payload without a handler fails registration when the canary is on (as Dynamo fails start-up)', () => {
    const health = createHealthState({ canaryEnabled: true });
    expect(() =>
      health.registerEndpoint('generate', { canary: { payload: { prompt: 'x' } } as never }),
    ).toThrow(expect.objectContaining({ code: 'ERR_DYNOTEL_HEALTH_CANARY_NO_HANDLER' }));
    health.close();
  });

  it('exposes readiness per endpoint as the dynotel_endpoint_ready gauge', () => {
    const health = createHealthState({ endpointHealthStatus: ['gauge_ep'] });
    expect(selfMetrics.gauge('dynotel_endpoint_ready', '').get({ endpoint: 'gauge_ep' })).toBe(0);
    health.registerEndpoint('gauge_ep');
    expect(selfMetrics.gauge('dynotel_endpoint_ready', '').get({ endpoint: 'gauge_ep' })).toBe(1);
    health.setEndpointReady('gauge_ep', false);
    expect(selfMetrics.gauge('dynotel_endpoint_ready', '').get({ endpoint: 'gauge_ep' })).toBe(0);
  });

  it('rejects bad input with coded errors', () => {
    expectDynotelError(
      () => createHealthState({ startingStatus: 'up' as never }),
      'ERR_DYNOTEL_HEALTH_INVALID_OPTION',
      'startingStatus',
    );
    expectDynotelError(
      () => createHealthState({ endpointHealthStatus: 'generate' as never }),
      'ERR_DYNOTEL_HEALTH_INVALID_OPTION',
      'endpointHealthStatus',
    );
    expectDynotelError(
      () => createHealthState({ canaryWaitMs: -5 }),
      'ERR_DYNOTEL_HEALTH_INVALID_OPTION',
      'canaryWaitMs',
    );
    expectDynotelError(
      () => createHealthState({ canaryPayload: [] as never }),
      'ERR_DYNOTEL_HEALTH_INVALID_OPTION',
      'canaryPayload',
    );
    const health = createHealthState();
    expectDynotelError(() => health.registerEndpoint(''), 'ERR_DYNOTEL_HEALTH_INVALID_ARGUMENT', "'name'");
    health.registerEndpoint('x');
    expectDynotelError(() => health.registerEndpoint('x'), 'ERR_DYNOTEL_HEALTH_DUPLICATE_NAME', "'x'");
    expectDynotelError(
      () => health.setProcessStatus('up' as never),
      'ERR_DYNOTEL_HEALTH_INVALID_ARGUMENT',
      "'status'",
    );
    expectDynotelError(
      () => health.addReadinessCheck('db', 'yes' as never),
      'ERR_DYNOTEL_HEALTH_INVALID_ARGUMENT',
      "'check'",
    );
  });
});
