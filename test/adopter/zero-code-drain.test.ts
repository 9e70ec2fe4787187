/**
 * The drain of an unmodified Express and Fastify app under dynotel/register, as in a Kubernetes pod
 * (`KUBERNETES_SERVICE_HOST` set; `DYN_SHUTDOWN_DRAIN_DELAY=2` instead of the pod default of 5 s to keep
 * the suite short), through a real SIGTERM with pooled keep-alive clients (undici's `Agent`) hammering
 * it: not one request sent during the drain fails, the system port's /health answers 503 during it,
 * responses say `Connection: close` once it began, and the process exits 0 by itself afterwards.
 * Bounded: the clients stop 300 ms before the drain ends (docs/reliability.md §15 on that last race),
 * and the request count has a hard cap.
 */
import { Agent } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { type KeepAliveLoadState, keepAliveLoadThroughSignal } from '../support/keep-alive-load.ts';
import { type AdopterApp, adopterNodes, startAdopterApp } from './support/adopter-app.ts';

const CONNECTIONS = 16;
const DRAIN_DELAY_S = 2;
/** Requests answered before the signal: every connection of the pool is open by then. */
const WARM_UP = 200;
const STOP_BEFORE_DRAIN_END_MS = 300;
const MAX_REQUESTS = 20_000;

const EXPRESS = `
import express from 'express';

const app = express();
app.get('/v1/items/:id', async (req, res) => {
  if (Number(req.params.id) % 4 === 0) await new Promise((resolve) => setTimeout(resolve, 20));
  res.json({ id: req.params.id });
});
app.listen(Number(process.env.PORT), '127.0.0.1');
`;

const FASTIFY = `
const Fastify = require('fastify');

const app = Fastify();
app.get('/v1/items/:id', async (request) => {
  if (Number(request.params.id) % 4 === 0) await new Promise((resolve) => setTimeout(resolve, 20));
  return { id: request.params.id };
});
app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
`;

const apps = [
  {
    name: 'Express 5 (ESM, --import)',
    extension: 'mjs',
    args: ['--import', 'dynotel/register'],
    source: EXPRESS,
  },
  {
    name: 'Fastify 5 (CommonJS, --require)',
    extension: 'cjs',
    args: ['--require', 'dynotel/register'],
    source: FASTIFY,
  },
] as const;

describe.each(adopterNodes())('drain under dynotel/register on $name', (node) => {
  let app: AdopterApp | undefined;
  let agent: Agent | undefined;
  afterEach(async () => {
    await app?.stop();
    app = undefined;
    await agent?.destroy();
    agent = undefined;
  });

  it.each(apps)('$name: no request sent during the drain fails', async ({ extension, args, source }) => {
    app = await startAdopterApp({
      extension,
      source,
      node,
      args,
      env: {
        KUBERNETES_SERVICE_HOST: '10.0.0.1',
        DYN_SHUTDOWN_DRAIN_DELAY: String(DRAIN_DELAY_S),
        DYN_LOG: 'warn',
      },
    });
    const running = app;
    const pool = new Agent({ connections: CONNECTIONS, pipelining: 1 });
    agent = pool;

    const healthDuringDrain: number[] = [];
    // Readiness probes on the system port while the drain runs (their own connections, no keep-alive).
    const probe = async (state: KeepAliveLoadState): Promise<void> => {
      while (state.signalAt === undefined) await new Promise((resolve) => setTimeout(resolve, 10));
      while (performance.now() < state.stopAt) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        try {
          const health = await fetch(`${running.systemUrl}/health`, { headers: { connection: 'close' } });
          await health.text();
          healthDuringDrain.push(health.status);
        } catch {
          healthDuringDrain.push(0);
        }
      }
    };
    const { outcomes, signalAt, requests } = await keepAliveLoadThroughSignal({
      dispatcher: pool,
      url: (index) => `${running.url}/v1/items/${index}`,
      connections: CONNECTIONS,
      warmUp: WARM_UP,
      maxRequests: MAX_REQUESTS,
      drainDelayMs: DRAIN_DELAY_S * 1000,
      stopBeforeDrainEndMs: STOP_BEFORE_DRAIN_END_MS,
      signal: () => running.child.kill('SIGTERM'),
      alongside: probe,
    });

    const exit = await running.waitForExit(15_000, 'after the drain');
    expect(exit, running.stderr.join('\n')).toEqual({ code: 0, signal: null });
    expect(signalAt).toBeDefined();
    expect(requests).toBeLessThan(MAX_REQUESTS);

    const duringDrain = outcomes.filter((o) => o.sentAt >= signalAt!);
    expect(duringDrain.length).toBeGreaterThan(CONNECTIONS * 5);
    expect(outcomes.filter((o) => o.status !== 200).map((o) => o.error ?? o.status)).toEqual([]);
    // Once the first `Connection: close` arrived, every request sent after it was told to close too.
    const closing = outcomes.filter((o) => o.connection === 'close');
    expect(closing.length).toBeGreaterThan(0);
    const firstClose = Math.min(...closing.map((o) => o.endedAt));
    expect(outcomes.filter((o) => o.sentAt > firstClose && o.connection !== 'close')).toEqual([]);
    // Not ready during the drain: the probes after the first 503 all see 503 (the first ones may still
    // be answered before the child handled the signal).
    expect(healthDuringDrain).toContain(503);
    expect(healthDuringDrain.slice(healthDuringDrain.indexOf(503))).toEqual(
      healthDuringDrain.slice(healthDuringDrain.indexOf(503)).map(() => 503),
    );
    expect(running.stderr).toEqual([]);
  });
});
