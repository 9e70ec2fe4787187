import { Agent } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { createHealthState, DEFAULT_CHECK_TIMEOUT_MS } from '../src/index.ts';
import { httpRequest } from './http-client.ts';
import { serve } from './probe.ts';
import { sleep } from './support.ts';

const PROBES = 1000;
let agent: Agent | undefined;

afterEach(() => {
  agent?.destroy();
  agent = undefined;
});

/** PROBES concurrent GET /health over real sockets; resolves to the statuses. */
async function probeStorm(url: string): Promise<number[]> {
  agent = new Agent({ keepAlive: true, maxSockets: PROBES });
  const answers = await Promise.all(
    Array.from({ length: PROBES }, () => httpRequest(`${url}/health`, { agent: agent as Agent })),
  );
  return answers.map((a) => a.status);
}

describe('readiness checks', () => {
  it('default timeout is below the kubelet default of 1 s', () => {
    expect(DEFAULT_CHECK_TIMEOUT_MS).toBeLessThan(1_000);
  });

  it('take part in readiness and appear in the body under "checks"', async () => {
    const health = createHealthState({ startingStatus: 'ready' });
    const probe = await serve(health);
    let dbUp = true;
    health.addReadinessCheck('db', () => dbUp);
    health.addReadinessCheck('cache', async () => true);
    const ok = await probe.health();
    expect(ok.status).toBe(200);
    expect(ok.body.checks).toEqual({ cache: 'ready', db: 'ready' });
    dbUp = false;
    const down = await probe.health();
    expect(down).toMatchObject({
      status: 503,
      body: { status: 'notready', checks: { db: 'notready', cache: 'ready' } },
    });
  });

  it('a throwing or rejecting check fails readiness without leaking its error', async () => {
    const health = createHealthState({ startingStatus: 'ready' });
    const probe = await serve(health);
    const remove = health.addReadinessCheck('db', () => {
      throw new Error('password=hunter2 host=db.internal');
    });
    const answer = await probe.health();
    expect(answer.status).toBe(503);
    expect(JSON.stringify(answer.body)).not.toContain('hunter2');
    remove();
    health.addReadinessCheck('db2', () => Promise.reject(new Error('db.internal refused')));
    expect((await probe.health()).status).toBe(503);
  });

  it('are not run while readiness is already decided (process notready, or draining)', async () => {
    const health = createHealthState();
    const probe = await serve(health);
    let calls = 0;
    health.addReadinessCheck('db', () => {
      calls++;
      return true;
    });
    expect((await probe.health()).status).toBe(503);
    expect(calls).toBe(0);
    health.setProcessStatus('ready');
    health.setPhase('draining');
    expect((await probe.health()).status).toBe(503);
    expect(calls).toBe(0);
  });

  it(`a slow check runs once for ${PROBES} concurrent probes (single flight)`, async () => {
    const health = createHealthState({ startingStatus: 'ready' });
    const probe = await serve(health);
    let calls = 0;
    let running = 0;
    let maxRunning = 0;
    health.addReadinessCheck(
      'slow_db',
      async () => {
        calls++;
        running++;
        maxRunning = Math.max(maxRunning, running);
        await sleep(300);
        running--;
        return true;
      },
      { timeoutMs: 900 },
    );
    // Many probes arrive while one run is in progress: they share it.
    const inProcess = await Promise.all(Array.from({ length: PROBES }, () => health.readiness()));
    expect(inProcess.every((r) => r.ready)).toBe(true);
    expect(calls).toBe(1);

    const before = calls;
    const statuses = await probeStorm(probe.url);
    expect(statuses.every((s) => s === 200)).toBe(true);
    expect(maxRunning).toBe(1);
    // Socket probes arrive spread over the accept loop, so a few successive runs may serve them, never one each.
    expect(calls - before).toBeGreaterThanOrEqual(1);
    expect(calls - before).toBeLessThan(PROBES / 10);
  });

  it(`a hanging check times out, fails readiness, and costs one pending call under ${PROBES} probes`, async () => {
    const health = createHealthState({ startingStatus: 'ready' });
    const probe = await serve(health);
    let calls = 0;
    let release: (() => void) | undefined;
    let hang = true;
    health.addReadinessCheck(
      'hanging_db',
      () => {
        calls++;
        if (!hang) return true;
        return new Promise<boolean>((resolve) => {
          release = () => resolve(true);
        });
      },
      { timeoutMs: 100 },
    );
    const statuses = await probeStorm(probe.url);
    expect(statuses.every((s) => s === 503)).toBe(true);
    expect(calls).toBe(1);
    // While the call still hangs, probes answer notready at once without a new call.
    const again = await probe.health();
    expect(again).toMatchObject({ status: 503, body: { checks: { hanging_db: 'notready' } } });
    expect(calls).toBe(1);
    // Once it settles, the next probe runs the check again and recovers.
    hang = false;
    release?.();
    await sleep(5);
    const recovered = await probe.health();
    expect(recovered.status).toBe(200);
    expect(calls).toBe(2);
  });
});
