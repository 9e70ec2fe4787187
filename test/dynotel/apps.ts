import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { init, injectTraceHeaders, type Telemetry } from 'dynotel';
import { dynamoEndpoint, dynotel as expressMiddleware } from 'dynotel/express';
import { dynotel as fastifyPlugin } from 'dynotel/fastify';
import { resetTelemetryForTests } from 'dynotel/testing';
import express from 'express';
import Fastify from 'fastify';
import { LogCapture } from './log-capture.ts';

export type Framework = 'express' | 'fastify';

export interface TestApp {
  readonly url: string;
  close(): Promise<void>;
}

/**
 * The same small service on either framework: a templated route that logs, a route that fails, and a
 * route that calls a downstream service with the trace headers injected, a slow route, and a streamed
 * (server-sent events) route.
 */
export async function startApp(
  framework: Framework,
  telemetry: Telemetry,
  downstreamUrl: string,
): Promise<TestApp> {
  const hop = async () => {
    const response = await fetch(`${downstreamUrl}/work`, { headers: injectTraceHeaders({}) });
    return response.json();
  };
  if (framework === 'express') {
    const app = express();
    app.use(expressMiddleware(telemetry));
    app.get('/v1/items/:id', (req, res) => {
      telemetry.logger.info({ item: req.params.id }, 'handling item');
      res.json({ id: req.params.id });
    });
    app.post('/v1/fail', () => {
      throw new Error('boom');
    });
    app.get('/v1/hop', async (_req, res) => {
      res.json(await hop());
    });
    app.post('/v1/generate', dynamoEndpoint(telemetry.endpoint('generate')), express.json(), (req, res) => {
      res.status(req.body?.fail ? 500 : 200).json({ text: 'hello world' });
    });
    app.post('/v1/slow', express.json(), async (_req, res) => {
      await sleep(300);
      if (!res.destroyed) res.json({ late: true });
    });
    app.post('/v1/generate-slow', dynamoEndpoint(telemetry.endpoint('slow-generate')), async (_req, res) => {
      await sleep(300);
      if (!res.destroyed) res.json({ late: true });
    });
    app.get('/v1/stream', async (_req, res) => {
      await writeStream(res);
    });
    const server = await listen(app);
    return { url: urlOf(server), close: () => closeServer(server) };
  }
  const app = Fastify();
  await app.register(fastifyPlugin, { telemetry });
  app.get<{ Params: { id: string } }>('/v1/items/:id', async (request) => {
    telemetry.logger.info({ item: request.params.id }, 'handling item');
    return { id: request.params.id };
  });
  app.post('/v1/fail', async () => {
    throw new Error('boom');
  });
  app.get('/v1/hop', async () => hop());
  app.post<{ Body: { fail?: boolean } }>(
    '/v1/generate',
    { config: { dynamoEndpoint: 'generate' } },
    async (request, reply) => reply.code(request.body?.fail ? 500 : 200).send({ text: 'hello world' }),
  );
  app.post('/v1/slow', async () => {
    await sleep(300);
    return { late: true };
  });
  app.post('/v1/generate-slow', { config: { dynamoEndpoint: 'slow-generate' } }, async () => {
    await sleep(300);
    return { late: true };
  });
  // A hijacked reply: server-sent events written on the raw response.
  app.get('/v1/stream', async (_request, reply) => {
    reply.hijack();
    await writeStream(reply.raw);
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  return { url: urlOf(app.server), close: () => app.close() };
}

/** A downstream worker on plain node:http, instrumented through the same HttpInstrumentation. */
export async function startDownstream(telemetry: Telemetry): Promise<TestApp> {
  const server = createServer((req, res) => {
    const active = telemetry.http.start(req);
    telemetry.http.run(active, () => {
      telemetry.logger.info('downstream work');
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ worker: true }));
      telemetry.http.finish(active, { statusCode: 200, route: '/work' });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: urlOf(server), close: () => closeServer(server) };
}

/** Three server-sent events, 20 ms apart, then the end of the response. */
async function writeStream(res: ServerResponse): Promise<void> {
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  for (let i = 0; i < 3; i++) {
    res.write(`data: ${i}\n\n`);
    await sleep(20);
  }
  res.end('data: [DONE]\n\n');
}

async function listen(app: express.Express): Promise<Server> {
  return new Promise((resolve) => {
    const server = app.listen(0, '127.0.0.1', () => resolve(server));
  });
}

function urlOf(server: Server): string {
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
}

/** The service of the middleware tests: dynotel from `env`, the app on `framework`, and its downstream worker. */
export interface TestService {
  readonly telemetry: Telemetry;
  readonly logs: LogCapture;
  readonly app: TestApp;
  readonly downstream: TestApp;
  close(): Promise<void>;
}

export async function startService(framework: Framework, env: Record<string, string>): Promise<TestService> {
  const logs = new LogCapture();
  const telemetry = init({
    env: { DYN_SHUTDOWN_DRAIN_DELAY: '0', ...env },
    handleSignals: false,
    logDestination: logs,
  });
  const downstream = await startDownstream(telemetry);
  const app = await startApp(framework, telemetry, downstream.url);
  return {
    telemetry,
    logs,
    app,
    downstream,
    async close() {
      await app.close();
      await downstream.close();
      await telemetry.shutdown('test finished');
      resetTelemetryForTests();
    },
  };
}
