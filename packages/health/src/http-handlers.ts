import type { IncomingMessage, ServerResponse } from 'node:http';
import { diag } from '@dynotel/core';
import { type FrontendInstances, frontendHealthBody } from './frontend-health.ts';
import type { HealthState } from './health-state.ts';
import { scrapesRejectedTotal } from './self-metrics.ts';
import { invalidOption, pathOption } from './validate.ts';

/**
 * What `level.scrape(accept)` (a string body) or `level.scrapeStream(accept)` (chunks) of @dynotel/metrics
 * returns; injected so health never imports metrics. A streamed body is written with backpressure, so a
 * 100k-series scrape never sits in memory twice nor blocks the event loop while it is sent.
 */
export type MetricsScrape = (
  accept: string | undefined,
  acceptEncoding?: string | undefined,
) => Promise<{
  contentType: string;
  /** Set when the body is compressed (`level.scrapeHttp` negotiates gzip); a string body is never. */
  contentEncoding?: string | undefined;
  body: string | AsyncIterable<string | Uint8Array>;
}>;

export interface HealthHandlersOptions {
  health: HealthState;
  /** Serves /metrics. Without it, /metrics answers an empty (valid) exposition. */
  metrics?: MetricsScrape | undefined;
  /** DYN_SYSTEM_HEALTH_PATH. Default `/health`. */
  healthPath?: string | undefined;
  /** DYN_SYSTEM_LIVE_PATH. Default `/live`. */
  livePath?: string | undefined;
  /** Default `/metrics`. */
  metricsPath?: string | undefined;
  /**
   * Metrics scrapes served at once; more answer 503 (Prometheus advises a bound). Health probes are not
   * bounded: they are cheap and their checks are single-flight. Default 4.
   */
  maxConcurrentScrapes?: number | undefined;
  /**
   * Answer `/health` in the shape of Dynamo's frontend (`{"endpoints":[dyn://…],"instances":[…],
   * "status":"healthy"}`, see frontend-health.ts) listing these backend instances, instead of the worker
   * shape of Dynamo's system server. For the handlers on the app port (DYN_HTTP_PORT).
   */
  frontend?:
    | {
        readonly instances: FrontendInstances;
        /** `dyn://` paths of the endpoints this process serves itself, listed beside the instances'. */
        readonly ownEndpointPaths?: (() => readonly string[]) | undefined;
      }
    | undefined;
}

/** A framework-neutral handler in node:http's shape; Express and Fastify's raw req/res fit it. */
export type NodeHandler = (req: IncomingMessage, res: ServerResponse) => void;

export interface HealthHandlers {
  health: NodeHandler;
  live: NodeHandler;
  metrics: NodeHandler;
  /** Routes by path (query string ignored). Returns false, without answering, when no route matches. */
  handle: (req: IncomingMessage, res: ServerResponse) => boolean;
  readonly paths: { readonly health: string; readonly live: string; readonly metrics: string };
}

const JSON_TYPE = 'application/json';
const TEXT_TYPE = 'text/plain; charset=utf-8';
const EMPTY_EXPOSITION_TYPE = 'text/plain; version=0.0.4; charset=utf-8';
const LIVE_BODY = '{"status":"live","message":"Service is live"}';
const SHUTTING_DOWN_BODY = '{"status":"shutting_down","message":"Service is shutting down"}';

export function createHealthHandlers(options: HealthHandlersOptions): HealthHandlers {
  const health = options.health;
  if (health === undefined || typeof health.readiness !== 'function') {
    throw invalidOption('health', health, 'a HealthState from createHealthState()');
  }
  const frontend = options.frontend;
  const metrics = options.metrics;
  if (metrics !== undefined && typeof metrics !== 'function') {
    throw invalidOption('metrics', metrics, 'a function (accept) => Promise<{ contentType, body }>');
  }
  const paths = {
    health: pathOption('healthPath', options.healthPath, '/health'),
    live: pathOption('livePath', options.livePath, '/live'),
    metrics: pathOption('metricsPath', options.metricsPath, '/metrics'),
  };
  const limit = options.maxConcurrentScrapes ?? 4;
  if (!Number.isInteger(limit) || limit < 1)
    throw invalidOption('maxConcurrentScrapes', limit, 'an integer >= 1');
  let inFlight = 0;

  /** Bounds concurrent async work; returns false (after answering 503) when over the limit. */
  function acquire(res: ServerResponse, head: boolean): boolean {
    if (inFlight >= limit) {
      scrapesRejectedTotal.inc();
      send(res, 503, TEXT_TYPE, 'Too many concurrent scrapes', head, { 'retry-after': '1' });
      return false;
    }
    inFlight++;
    return true;
  }

  const healthHandler: NodeHandler = (req, res) => {
    const head = methodGuard(req, res);
    if (head === undefined) return;
    health.readiness().then(
      (report) => {
        const body =
          frontend === undefined
            ? JSON.stringify(report.body)
            : frontendHealthBody(
                report,
                health.phase,
                frontend.instances.list(),
                frontend.ownEndpointPaths?.() ?? [],
              );
        send(res, report.ready ? 200 : 503, JSON_TYPE, body, head);
      },
      (error: unknown) => {
        diag.warn('dynotel.health', 'readiness evaluation failed', { error: String(error) });
        send(res, 503, JSON_TYPE, '{"status":"notready"}', head);
      },
    );
  };

  const liveHandler: NodeHandler = (req, res) => {
    const head = methodGuard(req, res);
    if (head === undefined) return;
    if (health.isLive()) send(res, 200, JSON_TYPE, LIVE_BODY, head);
    else send(res, 503, JSON_TYPE, SHUTTING_DOWN_BODY, head);
  };

  const metricsHandler: NodeHandler = (req, res) => {
    const head = methodGuard(req, res);
    if (head === undefined) return;
    if (metrics === undefined) {
      send(res, 200, EMPTY_EXPOSITION_TYPE, '', head);
      return;
    }
    if (!acquire(res, head)) return;
    let scrape: ReturnType<MetricsScrape>;
    try {
      scrape = metrics(req.headers.accept, req.headers['accept-encoding']);
    } catch (error) {
      scrape = Promise.reject(error);
    }
    scrape.then(
      (result) => {
        if (typeof result.body === 'string') {
          inFlight--;
          send(res, 200, result.contentType, result.body, head);
          return;
        }
        sendStream(res, result.contentType, result.contentEncoding, result.body, head).finally(() => {
          inFlight--;
        });
      },
      (error: unknown) => {
        inFlight--;
        diag.warn('dynotel.health', 'metrics scrape failed', {
          error: error instanceof Error ? error.message : String(error),
        });
        send(res, 500, TEXT_TYPE, 'Metrics scrape failed', head);
      },
    );
  };

  const handle = (req: IncomingMessage, res: ServerResponse): boolean => {
    const path = pathOf(req.url);
    if (path === paths.health) healthHandler(req, res);
    else if (path === paths.live) liveHandler(req, res);
    else if (path === paths.metrics) metricsHandler(req, res);
    else return false;
    return true;
  };

  return { health: healthHandler, live: liveHandler, metrics: metricsHandler, handle, paths };
}

/** Answers 404 exactly as Dynamo's system server does for unknown routes. */
export function sendNotFound(req: IncomingMessage, res: ServerResponse): void {
  send(res, 404, TEXT_TYPE, 'Route not found', req.method === 'HEAD');
}

export function pathOf(url: string | undefined): string {
  if (url === undefined) return '/';
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}

/** GET and HEAD only: returns whether it is HEAD, or undefined after answering 405. */
function methodGuard(req: IncomingMessage, res: ServerResponse): boolean | undefined {
  // Bodies are never read; resume() lets Node discard one without holding the socket.
  req.resume();
  if (req.method === 'GET') return false;
  if (req.method === 'HEAD') return true;
  send(res, 405, TEXT_TYPE, 'Method not allowed', false, { allow: 'GET, HEAD' });
  return undefined;
}

/** Resolves when the socket can take more, or the client went away (then `res.destroyed` is true). */
function drainOrClose(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

/** Writes a chunked body, waiting for 'drain' when the socket is full; a failure cuts the response. */
async function sendStream(
  res: ServerResponse,
  contentType: string,
  contentEncoding: string | undefined,
  body: AsyncIterable<string | Uint8Array>,
  head: boolean,
): Promise<void> {
  if (res.headersSent || res.destroyed) return;
  res.statusCode = 200;
  res.setHeader('content-type', contentType);
  res.setHeader('cache-control', 'no-store');
  res.setHeader('vary', 'Accept-Encoding');
  if (contentEncoding !== undefined) res.setHeader('content-encoding', contentEncoding);
  if (head) {
    res.end();
    return;
  }
  try {
    for await (const chunk of body) {
      if (res.destroyed) return;
      if (!res.write(chunk)) await drainOrClose(res);
    }
    res.end();
  } catch (error) {
    diag.warn('dynotel.health', 'metrics scrape failed while streaming', {
      error: error instanceof Error ? error.message : String(error),
    });
    res.destroy();
  }
}

function send(
  res: ServerResponse,
  status: number,
  contentType: string,
  body: string,
  head: boolean,
  extra?: Record<string, string>,
): void {
  if (res.headersSent || res.destroyed) return;
  res.statusCode = status;
  res.setHeader('content-type', contentType);
  res.setHeader('content-length', Buffer.byteLength(body));
  res.setHeader('cache-control', 'no-store');
  if (extra !== undefined) for (const key of Object.keys(extra)) res.setHeader(key, extra[key]!);
  if (head) res.end();
  else res.end(body);
}
