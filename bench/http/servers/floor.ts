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
 * 3. one pino access line per request (method, route, status, latency, request id) to /dev/null, the
 *    lines of an event-loop turn written at its end with one syscall: pino's cheapest line, without
 *    trace ids or Dynamo's layout;
 * 4. the trace context and the RED metrics, by hand: the incoming `traceparent` read, a trace id and a
 *    span id cut from a pool of random hex, a 10% sampling decision, the ids in the frame and in the
 *    access line (trace_id, span_id, x_request_id), an in-flight gauge and a latency histogram by
 *    method, route and status (a Map of plain counters). No span is recorded or exported: this is less
 *    than the 10%-sampled target asks, so its ratio bounds that target from above.
 * 5. a span for every request (100% sampled), by hand (`floor-span.ts`): its ids, times, the nine
 *    attributes of dynotel's server span and the status code encoded as an OTLP Span in one fixed
 *    layout when the request closes, and exported over gRPC to the harness's sink every 512 spans.
 *    No OpenTelemetry, no validation, no retries: what the full target asks, at its cheapest.
 *
 * Run by the HTTP matrix (`apps/variants.ts`, the users' setup) it also serves the matrix's routes (`/`,
 * `/large`, `/items/:id/large`), and with BENCH_FLOOR_STDOUT=1 its access lines go to stdout (fd 1, which
 * the harness redirects to /dev/null), as dynotel's do there, rather than to a dedicated /dev/null fd.
 *
 * BENCH_FLOOR_SPIN_US (from level 1) adds that many microseconds of pure computation per request, no
 * allocation and no I/O: how much slower the rest of the server gets when a request costs more CPU,
 * whatever the work is. BENCH_FLOOR_GARBAGE_BYTES adds that many bytes of short-lived small objects
 * per request: what allocation alone costs the server, beyond its cost in a loop.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomBytes, randomUUID } from 'node:crypto';
import { writeSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import express from 'express';
import Fastify from 'fastify';
import pino from 'pino';
import { devNull, LARGE_PAYLOAD, listenPort, PAYLOAD, ROUTE, serveAdmin } from './admin.ts';

const level = Number(process.env.BENCH_FLOOR_LEVEL ?? 0);
const framework = process.env.BENCH_FLOOR_FRAMEWORK ?? 'fastify';
const spinMs = Number(process.env.BENCH_FLOOR_SPIN_US ?? 0) / 1000;
const garbageObjects = Math.round(Number(process.env.BENCH_FLOOR_GARBAGE_BYTES ?? 0) / 32);
const storage = new AsyncLocalStorage<Pending>();
// Only from level 3: lower levels, bare above all, carry nothing they do not use.
/**
 * Lines gathered during an event-loop turn and written with one `writeSync` at its end (as dynotel's
 * destination does, without its bounds and exit handling). The cheapest sink measured here: pino's
 * asynchronous destination writes from libuv's thread pool, which runs on the server's core too, and
 * gave level 3 0.66x of bare against 0.72x with this sink, level 4 0.58x against 0.68x (2026-12-05).
 */
function turnBatchedSink(fd: number): { write(line: string): boolean } {
  let pending: string[] = [];
  const flush = (): void => {
    const text = pending.join('');
    pending = [];
    writeSync(fd, text);
  };
  return {
    write(line) {
      if (pending.push(line) === 1) setImmediate(flush);
      return true;
    },
  };
}

const logFd = process.env.BENCH_FLOOR_STDOUT === '1' ? 1 : devNull;
const logger = level >= 3 ? pino({ base: null }, turnBatchedSink(logFd)) : undefined;
const recordSpan = level >= 5 ? (await import('./floor-span.ts')).recordSpan : undefined;

interface Pending {
  readonly id: string;
  readonly method: string;
  readonly startedAt: number;
  /** From level 4. */
  readonly traceId?: string;
  readonly spanId?: string;
  readonly sampled?: boolean;
}

/** Level 4's ids: 48 hex digits per request (trace id and span id) cut from 8 KiB of random hex. */
let hexPool = '';
let hexOffset = 0;
function traceAndSpanIds(): string {
  if (hexOffset + 48 > hexPool.length) {
    hexPool = randomBytes(4096).toString('hex');
    hexOffset = 0;
  }
  hexOffset += 48;
  return hexPool.slice(hexOffset - 48, hexOffset);
}

/** Level 4's RED metrics: per method, route and status a count, a sum and cumulative-able buckets. */
const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const durations = new Map<string, { count: number; sum: number; buckets: Float64Array }>();
const inFlight = new Map<string, number>();
function observe(method: string, route: string, status: number, seconds: number): void {
  const key = `${method} ${route} ${status}`;
  let series = durations.get(key);
  if (series === undefined) {
    series = { count: 0, sum: 0, buckets: new Float64Array(BUCKETS.length) };
    durations.set(key, series);
  }
  series.count++;
  series.sum += seconds;
  for (let i = 0; i < BUCKETS.length; i++) {
    if (seconds <= BUCKETS[i]!) {
      series.buckets[i]!++;
      break;
    }
  }
}
const pendingKey = Symbol('floor.pending');
type Response = ServerResponse & { [pendingKey]?: Pending };

/** One shared listener, the request's state riding on the response (as dynotel does). */
function onClose(this: Response): void {
  const pending = this[pendingKey];
  if (pending === undefined || logger === undefined) return;
  const seconds = (performance.now() - pending.startedAt) / 1000;
  if (level < 4) {
    logger.info(
      {
        method: pending.method,
        route: ROUTE,
        status: this.statusCode,
        latency_ms: Math.round(seconds * 1e6) / 1e3,
        request_id: pending.id,
      },
      'http response sent',
    );
    return;
  }
  inFlight.set(pending.method, (inFlight.get(pending.method) ?? 1) - 1);
  observe(pending.method, ROUTE, this.statusCode, seconds);
  logger.info(
    {
      trace_id: pending.traceId,
      span_id: pending.spanId,
      x_request_id: pending.id,
      method: pending.method,
      route: ROUTE,
      status: this.statusCode,
      latency_ms: Math.round(seconds * 1e6) / 1e3,
    },
    'http response sent',
  );
  if (recordSpan !== undefined) {
    const url = this.req.url ?? '';
    const query = url.indexOf('?');
    recordSpan({
      traceId: pending.traceId!,
      spanId: pending.spanId!,
      startMs: pending.startedAt + performance.timeOrigin,
      endMs: performance.now() + performance.timeOrigin,
      method: pending.method,
      url,
      path: query === -1 ? url : url.slice(0, query),
      requestId: pending.id,
      route: ROUTE,
      status: this.statusCode,
    });
  }
}

// Holds the last request's garbage only, so the optimiser cannot drop the allocations.
const retained: { garbage: unknown } = { garbage: undefined };
/** Short-lived small objects (32 bytes each: header and three fields), dead by the next request. */
function allocateGarbage(): void {
  const objects = new Array<{ a: number; b: number; c: number }>(garbageObjects);
  for (let i = 0; i < garbageObjects; i++) objects[i] = { a: i, b: i, c: i };
  retained.garbage = objects;
}

function spin(): void {
  const until = performance.now() + spinMs;
  while (performance.now() < until);
}

/** Starts a request. */
function begin(req: IncomingMessage, res: Response): Pending {
  if (spinMs > 0) spin();
  if (garbageObjects > 0) allocateGarbage();
  const id = randomUUID();
  const method = req.method ?? 'GET';
  let pending: Pending;
  if (level < 4) pending = { id, method, startedAt: performance.now() };
  else {
    // An incoming traceparent would give the trace id and the decision; the benchmark sends none.
    const header = req.headers.traceparent;
    const parent = typeof header === 'string' && header.length === 55 ? header : undefined;
    const ids = traceAndSpanIds();
    const traceId = parent === undefined ? ids.slice(0, 32) : parent.slice(3, 35);
    // Level 5 records every request's span, as the full target asks.
    const sampled = level >= 5 || (parent === undefined ? Math.random() < 0.1 : parent.endsWith('1'));
    inFlight.set(method, (inFlight.get(method) ?? 0) + 1);
    pending = { id, method, startedAt: performance.now(), traceId, spanId: ids.slice(32), sampled };
  }
  res[pendingKey] = pending;
  res.on('close', onClose);
  return pending;
}

/** Continues the request, inside the frame from level 2. */
function proceed(pending: Pending, next: () => void): void {
  if (level >= 2) storage.run(pending, next);
  else next();
}

if (framework === 'fastify') {
  const app = Fastify({ logger: false });
  if (level >= 1) {
    app.addHook('onRequest', (request, reply, done) => {
      const pending = begin(request.raw, reply.raw);
      reply.header('x-request-id', pending.id);
      proceed(pending, done);
    });
  }
  app.get(ROUTE, async () => PAYLOAD);
  app.get('/', async () => ({ hello: 'world' }));
  app.get('/large', async () => LARGE_PAYLOAD);
  app.get('/items/:id/large', async () => LARGE_PAYLOAD);
  await app.listen({ host: '127.0.0.1', port: listenPort() });
  serveAdmin((app.server.address() as { port: number }).port);
} else {
  const app = express();
  if (level >= 1) {
    app.use((req, res, next) => {
      const pending = begin(req, res);
      res.setHeader('x-request-id', pending.id);
      proceed(pending, next);
    });
  }
  app.get(ROUTE, (_req, res) => {
    res.json(PAYLOAD);
  });
  app.get('/', (_req, res) => res.json({ hello: 'world' }));
  app.get('/large', (_req, res) => res.json(LARGE_PAYLOAD));
  app.get('/items/:id/large', (_req, res) => res.json(LARGE_PAYLOAD));
  const server = app.listen(listenPort(), '127.0.0.1', () =>
    serveAdmin((server.address() as { port: number }).port),
  );
}
