/**
 * What services that adopt dynotel into an existing Express or Fastify app (or plain node:http) rely on:
 * readiness on the system port as soon as the app listens, with no request; the app's own routes winning
 * over dynotel's; 405 with `Allow` on dynotel's routes; Fastify's inject() and HTTP/2; dynotel's logger as
 * Fastify's `loggerInstance`; an Express handler's error logged once with the request's ids. Real
 * servers and real clients on loopback; the packed-tarball versions of these run in test/adopter/.
 */
import { createServer, type Server } from 'node:http';
import { connect } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { init, type Telemetry } from 'dynotel';
import { dynotel as expressMiddleware } from 'dynotel/express';
import { dynotel as fastifyPlugin } from 'dynotel/fastify';
import { resetTelemetryForTests } from 'dynotel/testing';
import express from 'express';
import Fastify from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { LogCapture } from './log-capture.ts';

let telemetry: Telemetry | undefined;
const cleanups: Array<() => Promise<void> | void> = [];

function start(env: Record<string, string> = {}): { telemetry: Telemetry; logs: LogCapture } {
  const logs = new LogCapture();
  telemetry = init({
    env: { DYN_LOGGING_JSONL: '1', DYN_SHUTDOWN_DRAIN_DELAY: '0', ...env },
    handleSignals: false,
    logDestination: logs,
  });
  return { telemetry, logs };
}

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await telemetry?.shutdown('test finished');
  telemetry = undefined;
  resetTelemetryForTests();
});

async function systemUrl(t: Telemetry): Promise<string> {
  const server = await t.systemServer;
  if (server === undefined) throw new Error('system server expected');
  return server.url.replace('0.0.0.0', '127.0.0.1');
}

function listenExpress(app: express.Express): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = app.listen(0, '127.0.0.1', (error?: Error) => (error ? reject(error) : resolve(server)));
    cleanups.push(
      () =>
        new Promise<void>((done) => {
          server.closeAllConnections();
          server.close(() => done());
        }),
    );
  });
}

const urlOf = (server: Server) => `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

describe('readiness without traffic', () => {
  it('Express: the system port answers 503 before the app listens and 200 after, with no request to the app', async () => {
    const { telemetry } = start({ DYN_SYSTEM_PORT: '0', DYN_SYSTEM_HOST: '127.0.0.1' });
    const system = await systemUrl(telemetry);
    const app = express();
    app.use(expressMiddleware(telemetry));
    app.get('/', (_req, res) => res.send('hi'));
    expect((await fetch(`${system}/health`)).status).toBe(503);
    await listenExpress(app);
    const health = await fetch(`${system}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ready' });
  });

  it('Express: a service that sets itself notready after the listen is not overruled by its first request', async () => {
    const { telemetry } = start({ DYN_SYSTEM_PORT: '0', DYN_SYSTEM_HOST: '127.0.0.1' });
    const system = await systemUrl(telemetry);
    const app = express();
    app.use(expressMiddleware(telemetry));
    app.get('/', (_req, res) => res.send('hi'));
    const url = urlOf(await listenExpress(app));
    expect((await fetch(`${system}/health`)).status).toBe(200);
    telemetry.health.setProcessStatus('notready');
    expect((await fetch(`${url}/`)).status).toBe(200);
    expect((await fetch(`${system}/health`)).status).toBe(503);
  });

  it('plain node:http under init(): ready once the server listens; the system server alone is not enough', async () => {
    const { telemetry } = start({ DYN_SYSTEM_PORT: '0', DYN_SYSTEM_HOST: '127.0.0.1' });
    const system = await systemUrl(telemetry);
    expect((await fetch(`${system}/health`)).status).toBe(503);
    const server = createServer((_req, res) => res.end('ok'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((done) => server.close(() => done())));
    expect((await fetch(`${system}/health`)).status).toBe(200);
  });

  it('Fastify: ready once it listens; markReadyOnListen: false leaves it to the service', async () => {
    const { telemetry } = start({ DYN_SYSTEM_PORT: '0', DYN_SYSTEM_HOST: '127.0.0.1' });
    const system = await systemUrl(telemetry);
    const app = Fastify();
    await app.register(fastifyPlugin, { telemetry, markReadyOnListen: false });
    await app.listen({ port: 0, host: '127.0.0.1' });
    cleanups.push(() => app.close());
    expect((await fetch(`${system}/health`)).status).toBe(503);
    telemetry.health.setProcessStatus('ready');
    expect((await fetch(`${system}/health`)).status).toBe(200);
  });

  it('readiness checks still hold it back after the listen', async () => {
    const { telemetry } = start({ DYN_SYSTEM_PORT: '0', DYN_SYSTEM_HOST: '127.0.0.1' });
    telemetry.health.addReadinessCheck('database', () => false);
    const system = await systemUrl(telemetry);
    const app = Fastify();
    await app.register(fastifyPlugin, { telemetry });
    await app.listen({ port: 0, host: '127.0.0.1' });
    cleanups.push(() => app.close());
    const health = await fetch(`${system}/health`);
    expect(health.status).toBe(503);
    expect(await health.json()).toMatchObject({ checks: { database: 'notready' } });
  });
});

describe("the app's routes win", () => {
  it("Express: the app's /health and /metrics answer; dynotel keeps /live and answers 405 with Allow", async () => {
    const { telemetry } = start();
    const app = express();
    app.use(expressMiddleware(telemetry));
    app.get('/health', (_req, res) => res.json({ mine: true }));
    const router = express.Router();
    router.get('/metrics', (_req, res) => res.type('text/plain').send('app_metric 1\n'));
    app.use(router);
    const url = urlOf(await listenExpress(app));
    expect(await (await fetch(`${url}/health`)).json()).toEqual({ mine: true });
    expect(await (await fetch(`${url}/metrics`)).text()).toBe('app_metric 1\n');
    expect((await fetch(`${url}/live`)).status).toBe(200);
    const post = await fetch(`${url}/live`, { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
    // A method the app's route does not serve falls to dynotel's route on that path.
    expect((await fetch(`${url}/health`, { method: 'DELETE' })).status).toBe(405);
  });

  it('Express: a sub-app mounted where a route of dynotel falls refuses the listen with a DynotelError', async () => {
    start();
    const app = express();
    app.use(expressMiddleware(telemetry));
    const sub = express();
    sub.get('/other', (_req, res) => res.send('x'));
    app.use(sub);
    const error = await listenExpress(app).then(
      () => undefined,
      (failure: unknown) => failure,
    );
    expect(error).toMatchObject({ code: 'ERR_DYNOTEL_SYSTEM_ROUTE_UNDECIDABLE' });
    expect(String((error as Error).message)).toMatch(/GET \/health.*systemRoutes: false/);
  });

  it("Fastify: the app's /metrics answers whatever the order; POST /health is 405 with Allow", async () => {
    const { telemetry } = start();
    const app = Fastify();
    app.get('/metrics', async () => 'app_metric 1\n');
    await app.register(fastifyPlugin, { telemetry });
    await app.listen({ port: 0, host: '127.0.0.1' });
    cleanups.push(() => app.close());
    const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    expect(await (await fetch(`${url}/metrics`)).text()).toBe('app_metric 1\n');
    expect((await fetch(`${url}/health`)).status).toBe(200);
    const post = await fetch(`${url}/health`, { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
  });
});

describe('Fastify completeness', () => {
  it("records inject()'s real status, not 499", async () => {
    const { telemetry, logs } = start();
    const app = Fastify();
    await app.register(fastifyPlugin, { telemetry });
    app.get('/teapot', async (_request, reply) => reply.code(418).send('short and stout'));
    cleanups.push(() => app.close());
    expect((await app.inject({ method: 'GET', url: '/teapot' })).statusCode).toBe(418);
    await new Promise((resolve) => setImmediate(resolve));
    const access = logs.records().filter((line) => line.message === 'http response sent');
    expect(access).toHaveLength(1);
    expect(access[0]).toMatchObject({ status: 418, route: '/teapot' });
    expect(access[0]?.aborted).toBeUndefined();
  });

  it('serves an HTTP/2 app (http2: true) with one warning instead of a crash', async () => {
    const { telemetry, logs } = start();
    const app = Fastify({ http2: true });
    await app.register(fastifyPlugin, { telemetry });
    app.get('/h2', async () => ({ ok: true }));
    await app.listen({ port: 0, host: '127.0.0.1' });
    cleanups.push(() => app.close());
    const client = connect(`http://127.0.0.1:${(app.server.address() as AddressInfo).port}`);
    cleanups.push(() => void client.close());
    const status = (path: string) =>
      new Promise<number>((resolve, reject) => {
        const stream = client.request({ ':path': path });
        stream.on('response', (headers) => resolve(Number(headers[':status'])));
        stream.on('error', reject);
        stream.resume();
      });
    expect(await status('/h2')).toBe(200);
    expect(await status('/health')).toBe(200);
    const warnings = logs.records().filter((line) => line.level === 'WARN' && line.target === 'dynotel');
    expect(warnings).toHaveLength(1);
    expect(String(warnings[0]?.message)).toMatch(/graceful shutdown cannot drain/);
  });

  it("writes compact Dynamo-layout lines as Fastify's loggerInstance (Fastify's req/res serializers)", async () => {
    const { telemetry, logs } = start();
    const app = Fastify({ loggerInstance: telemetry.logger });
    await app.register(fastifyPlugin, { telemetry });
    app.get('/v1/items/:id', async () => ({ ok: true }));
    cleanups.push(() => app.close());
    await app.listen({ port: 0, host: '127.0.0.1' });
    const port = (app.server.address() as AddressInfo).port;
    await (
      await fetch(`http://127.0.0.1:${port}/v1/items/7`, { headers: { 'x-request-id': 'adopt-1' } })
    ).text();
    await new Promise((resolve) => setTimeout(resolve, 20));
    const incoming = logs.records().find((line) => line.message === 'incoming request');
    const completed = logs.records().find((line) => line.message === 'request completed');
    expect(incoming?.req).toEqual({
      method: 'GET',
      url: '/v1/items/7',
      host: `127.0.0.1:${port}`,
      remoteAddress: '127.0.0.1',
      remotePort: expect.any(Number),
    });
    expect(completed?.res).toEqual({ statusCode: 200 });
    expect(incoming).toMatchObject({ level: 'INFO', reqId: expect.any(String) });
    for (const line of [incoming, completed]) {
      expect(Object.keys(line ?? {}).slice(0, 4)).toEqual(['time', 'level', 'target', 'message']);
      expect(JSON.stringify(line).length).toBeLessThan(700);
    }
  });
});

describe('Express errors', () => {
  it("logs a handler's error once with message, stack and the request's ids; the access line carries the message", async () => {
    const { telemetry, logs } = start();
    const app = express();
    app.use(expressMiddleware(telemetry));
    app.get('/fail', () => {
      throw new Error('boom in handler');
    });
    app.get('/fail-async', async () => {
      throw new Error('async boom');
    });
    const url = urlOf(await listenExpress(app));
    const response = await fetch(`${url}/fail`, { headers: { 'x-request-id': 'err-1' } });
    expect(response.status).toBe(500);
    expect(response.headers.get('x-request-id')).toBe('err-1');
    expect((await fetch(`${url}/fail-async`, { headers: { 'x-request-id': 'err-2' } })).status).toBe(500);
    await new Promise((resolve) => setTimeout(resolve, 20));
    for (const [id, message] of [
      ['err-1', 'boom in handler'],
      ['err-2', 'async boom'],
    ] as const) {
      const lines = logs.records().filter((line) => line.x_request_id === id);
      const failed = lines.filter((line) => line.message === 'request failed');
      expect(failed).toHaveLength(1);
      expect(failed[0]).toMatchObject({ level: 'ERROR', err: { message, type: 'Error' } });
      expect(String((failed[0]?.err as { stack?: string } | undefined)?.stack)).toContain(message);
      expect(failed[0]?.request_id).toEqual(expect.any(String));
      const access = lines.find((line) => line.message === 'http response sent');
      expect(access).toMatchObject({ level: 'ERROR', status: 500, error: message });
    }
  });

  it("leaves an error the app's own error handler answers to the app", async () => {
    const { telemetry, logs } = start();
    const app = express();
    app.use(expressMiddleware(telemetry));
    app.get('/fail', () => {
      throw new Error('handled by the app');
    });
    app.use((_error: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
      res.status(422).json({ handled: true });
    });
    const url = urlOf(await listenExpress(app));
    const response = await fetch(`${url}/fail`);
    expect(response.status).toBe(422);
    expect(await response.json()).toEqual({ handled: true });
    expect(logs.records().filter((line) => line.message === 'request failed')).toHaveLength(0);
  });
});
