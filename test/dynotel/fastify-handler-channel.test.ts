/**
 * While anyone subscribes to Fastify's `fastify.request.handler` tracing channel, every Fastify instance
 * runs every handler through it. The Fastify plugin reports route templates itself, so an app whose
 * Fastify servers all have the plugin leaves the channel alone; an unmodified Fastify instance in the same
 * process still gets its route templates from the channel, from its first request on. Real servers and a
 * real client on loopback; the counts come from a scrape of the system port.
 */
import { tracingChannel } from 'node:diagnostics_channel';
import { init, type Telemetry } from 'dynotel';
import { dynotel as fastifyPlugin } from 'dynotel/fastify';
import { resetTelemetryForTests } from 'dynotel/testing';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { sampleSum, sampleValue } from '../../packages/dynotel/test/support/zero-code-app.ts';
import { LogCapture } from './log-capture.ts';

const COUNT = 'http_server_request_duration_seconds_count';
const handlerChannel = tracingChannel('fastify.request.handler');

let telemetry: Telemetry | undefined;
const apps: FastifyInstance[] = [];

afterEach(async () => {
  for (const app of apps.splice(0)) await app.close();
  await telemetry?.shutdown('test finished');
  telemetry = undefined;
  resetTelemetryForTests();
});

function start(): Telemetry {
  telemetry = init({
    env: { DYN_SYSTEM_PORT: '0', DYN_SYSTEM_HOST: '127.0.0.1', DYN_LOG: 'warn' },
    handleSignals: false,
    logDestination: new LogCapture(),
  });
  return telemetry;
}

async function listen(app: FastifyInstance): Promise<string> {
  apps.push(app);
  return app.listen({ port: 0, host: '127.0.0.1' });
}

async function scrape(t: Telemetry): Promise<string> {
  const server = await t.systemServer;
  if (server === undefined) throw new Error('system server expected');
  return (await fetch(`${server.url.replace('0.0.0.0', '127.0.0.1')}/metrics`)).text();
}

function routed(metrics: string, route: string, status = '200'): number | undefined {
  return sampleValue(metrics, COUNT, { http_route: route, http_response_status_code: status });
}

describe("Fastify's handler tracing channel", () => {
  it('stays unsubscribed when every Fastify server has the plugin; templates and handler errors still come from its hooks', async () => {
    const t = start();
    const app = Fastify();
    await app.register(fastifyPlugin, { telemetry: t });
    app.get('/items/:id', async (request) => ({ id: (request.params as { id: string }).id }));
    app.get('/fail/:id', async () => {
      throw new Error('boom');
    });
    const url = await listen(app);
    expect((await fetch(`${url}/items/1`)).status).toBe(200);
    expect((await fetch(`${url}/fail/2`)).status).toBe(500);
    expect((await fetch(`${url}/items/3`)).status).toBe(200);
    expect(handlerChannel.hasSubscribers).toBe(false);
    const metrics = await scrape(t);
    expect(routed(metrics, '/items/:id')).toBe(2);
    expect(routed(metrics, '/fail/:id', '500')).toBe(1);
    expect(sampleSum(metrics, COUNT)).toBe(3);
  });

  it('is subscribed at the first request of a Fastify server without the plugin, in time for its template', async () => {
    const t = start();
    const withPlugin = Fastify();
    await withPlugin.register(fastifyPlugin, { telemetry: t });
    withPlugin.get('/items/:id', async () => ({ ok: true }));
    const unmodified = Fastify();
    unmodified.get('/plain/:id', async () => ({ ok: true }));
    const pluginUrl = await listen(withPlugin);
    const plainUrl = await listen(unmodified);

    expect((await fetch(`${pluginUrl}/items/1`)).status).toBe(200);
    expect(handlerChannel.hasSubscribers).toBe(false);
    expect((await fetch(`${plainUrl}/plain/1`)).status).toBe(200);
    expect(handlerChannel.hasSubscribers).toBe(true);
    expect((await fetch(`${pluginUrl}/items/2`)).status).toBe(200);

    const metrics = await scrape(t);
    expect(routed(metrics, '/plain/:id')).toBe(1);
    // The plugin's server is counted once per request, with or without the channel.
    expect(routed(metrics, '/items/:id')).toBe(2);
    expect(sampleSum(metrics, COUNT)).toBe(3);

    await t.shutdown('test finished');
    telemetry = undefined;
    expect(handlerChannel.hasSubscribers).toBe(false);
  });
});
