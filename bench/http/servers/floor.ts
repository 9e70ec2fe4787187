/**
 * The work the performance targets require, written by hand on the bare framework with the cheapest
 * means at hand and without dynotel, one piece at a time (`bench/http/floor.ts` runs it): what any
 * implementation of that work costs this server, including how much it slows the framework's and
 * node's own code. BENCH_FLOOR_FRAMEWORK is fastify or express; BENCH_FLOOR_LEVEL (cumulative):
 *
 * 0. bare;
 * 1. a request id (randomUUID) echoed in x-request-id, and the response's 'close' event observed
 *    (the least a middleware needs to time and finish every request);
 * 2. the rest of the request inside one AsyncLocalStorage frame (log lines can find the request);
 * 3. one pino access line per request (method, route, status, latency, request id) to /dev/null
 *    through pino's asynchronous destination: pino's cheapest line, without trace ids or Dynamo's layout.
 *
 * BENCH_FLOOR_SPIN_US (from level 1) adds that many microseconds of pure computation per request, no
 * allocation and no I/O: how much slower the rest of the server gets when a request costs more CPU,
 * whatever the work is.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import express from 'express';
import Fastify from 'fastify';
import pino from 'pino';
import { devNull, PAYLOAD, ROUTE, serveAdmin } from './admin.ts';

const level = Number(process.env.BENCH_FLOOR_LEVEL ?? 0);
const framework = process.env.BENCH_FLOOR_FRAMEWORK ?? 'fastify';
const spinMs = Number(process.env.BENCH_FLOOR_SPIN_US ?? 0) / 1000;
const storage = new AsyncLocalStorage<string>();
// Only from level 3: lower levels, bare above all, carry nothing they do not use.
const logger =
  level >= 3 ? pino({ base: null }, pino.destination({ dest: devNull, sync: false })) : undefined;

interface Pending {
  readonly id: string;
  readonly method: string;
  readonly startedAt: number;
}
const pendingKey = Symbol('floor.pending');
type Response = ServerResponse & { [pendingKey]?: Pending };

/** One shared listener, the request's state riding on the response (as dynotel does). */
function onClose(this: Response): void {
  const pending = this[pendingKey];
  if (pending === undefined || logger === undefined) return;
  logger.info(
    {
      method: pending.method,
      route: ROUTE,
      status: this.statusCode,
      latency_ms: Math.round((performance.now() - pending.startedAt) * 1e3) / 1e3,
      request_id: pending.id,
    },
    'http response sent',
  );
}

function spin(): void {
  const until = performance.now() + spinMs;
  while (performance.now() < until);
}

/** Starts a request: returns the id to echo. */
function begin(req: IncomingMessage, res: Response): string {
  if (spinMs > 0) spin();
  const id = randomUUID();
  res[pendingKey] = { id, method: req.method ?? 'GET', startedAt: performance.now() };
  res.on('close', onClose);
  return id;
}

/** Continues the request, inside the frame from level 2. */
function proceed(id: string, next: () => void): void {
  if (level >= 2) storage.run(id, next);
  else next();
}

if (framework === 'fastify') {
  const app = Fastify({ logger: false });
  if (level >= 1) {
    app.addHook('onRequest', (request, reply, done) => {
      const id = begin(request.raw, reply.raw);
      reply.header('x-request-id', id);
      proceed(id, done);
    });
  }
  app.get(ROUTE, async () => PAYLOAD);
  await app.listen({ host: '127.0.0.1', port: 0 });
  serveAdmin((app.server.address() as { port: number }).port);
} else {
  const app = express();
  if (level >= 1) {
    app.use((req, res, next) => {
      const id = begin(req, res);
      res.setHeader('x-request-id', id);
      proceed(id, next);
    });
  }
  app.get(ROUTE, (_req, res) => {
    res.json(PAYLOAD);
  });
  const server = app.listen(0, '127.0.0.1', () => serveAdmin((server.address() as { port: number }).port));
}
