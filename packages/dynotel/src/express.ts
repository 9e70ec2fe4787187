/**
 * Express 5 middleware: `app.use(dynotel(init()))`. Per request: the request id (validated, echoed in
 * `x-request-id`), the `http-request` server span continuing an inbound `traceparent`, the request
 * context for logs, HTTP RED metrics with the route template, and one access line. It also answers
 * `/metrics`, `/health` and `/live` on the application's port (DYN_HTTP_SVC_*_PATH), uninstrumented,
 * unless a route of the app serves that path and method (the app's route wins). When the app listens,
 * dynotel's error handler is appended after the app's routes (see http/express-errors.ts).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  type EndpointHttpRequest,
  finishEndpointRequest,
  type ServedEndpoint,
  startEndpointRequest,
} from './endpoint.ts';
import { createExpressErrorHandler, type ExpressErrorHandler } from './http/express-errors.ts';
import { expressAppListening } from './http/express-listen.ts';
import { appServes, routerStack } from './http/express-router.ts';
import { expressRouteOf } from './http/framework-routes.ts';
import { type ActiveRequest, activeRequestOf } from './http/instrumentation.ts';
import { responseCompleted } from './http/response-completed.ts';
import { serverTracker } from './http/server-tracking.ts';
import { isSystemPath } from './http/system-paths.ts';
import { init } from './init.ts';
import type { Telemetry } from './telemetry.ts';

export type { ServedEndpoint } from './endpoint.ts';
export type { ServeEndpointOptions, Telemetry } from './telemetry.ts';

import { holdListenReadiness, onServerListening, serverServing } from './wire/listen-readiness.ts';

export type { ExpressErrorHandler } from './http/express-errors.ts';

export interface ExpressMiddlewareOptions {
  /**
   * Answer /metrics, /health and /live (DYN_HTTP_SVC_*_PATH) on this app's port, except where a route of
   * the app serves the path and method (the app's route wins). Default true.
   */
  readonly systemRoutes?: boolean;
  /**
   * Let the app's server listening set the process status `ready`, with no request needed (a serving
   * frontend is ready, as Dynamo's frontend /health always is; see docs/readiness.md). A service that
   * warms up first sets false and calls `telemetry.health.setProcessStatus('ready')`. Default true.
   */
  readonly markReadyOnListen?: boolean;
}

/** The parts of Express's request this middleware reads (no runtime dependency on express). */
interface ExpressRequest extends IncomingMessage {
  baseUrl?: string;
  route?: { path?: unknown };
}

export type ExpressMiddleware = (
  req: IncomingMessage,
  res: ServerResponse,
  next: (error?: unknown) => void,
) => void;

/**
 * Whether a route of the app serves this request (its method and path): then dynotel's route of the same
 * path yields. A sub-app whose routes cannot be read counts as serving it (the app wins; at listen time
 * such an app is refused, see http/express-listen.ts). Runs only for requests on dynotel's paths.
 */
function appServesRequest(req: IncomingMessage): boolean {
  const stack = routerStack((req as { app?: unknown }).app);
  if (stack === undefined) return false;
  const url = req.url ?? '/';
  const query = url.indexOf('?');
  return appServes(stack, req.method ?? 'GET', query === -1 ? url : url.slice(0, query)) !== 'none';
}

/**
 * Logs an error of the app's handlers once through dynotel's logger, with the request's ids, and answers
 * as Express's default handler does. Appended automatically when the app listens; mount it yourself
 * (`app.use(dynotelErrorHandler(telemetry))`, after your routes) only to place it before error handlers of
 * your own that end the response.
 */
export function dynotelErrorHandler(telemetry: Telemetry = init()): ExpressErrorHandler {
  return createExpressErrorHandler({
    logger: telemetry.logger.child({ target: 'http' }),
    // Behind the middleware, or started by the zero-code instrumentation alone.
    activeOf: (res) => (res as ResponseWithRequest)[activeKey] ?? activeRequestOf(res.req),
    setError: (active, error) => {
      if (active.error === undefined) telemetry.http.recordError(active, error);
    },
  });
}

/** The route template Express matched (`/v1/models/:id`, mount path included), or undefined. */
const routeOf: (req: ExpressRequest) => string | undefined = expressRouteOf;

/**
 * Declares a route as a Dynamo endpoint: `app.post('/generate', dynamoEndpoint(telemetry.endpoint('generate')), handler)`
 * feeds that endpoint's `dynamo_component_*` work-handler metrics and its canary idle timer.
 */
export function dynamoEndpoint(endpoint: ServedEndpoint): ExpressMiddleware {
  return function dynamoEndpointMiddleware(req, res, next) {
    const response = res as ResponseWithRequest;
    // Behind dynotel's middleware, one 'close' listener finishes the endpoint's request too: the
    // middleware's own, or (a request the zero-code instrumentation started, where the middleware adds
    // none) one added here. Alone (or a second endpoint on the same request), it brings its own.
    if (response[activeKey] !== undefined && response[endpointKey] === undefined) {
      response[endpointKey] = startEndpointRequest(endpoint, req, res);
      if (response[closeListenedKey] !== true) res.on('close', finishAttachedEndpoint);
    } else endpoint.track(req, res);
    next();
  };
}

/**
 * The Express middleware: per request an `x-request-id`, an `http-request` server span, the request
 * context for every log line, the HTTP RED metrics by route template and one access line; `/metrics`,
 * `/health` and `/live` on the app's port (`options.systemRoutes`), and graceful shutdown of the server
 * the app listens on. Mount it first.
 *
 * @example
 * ```ts compile-only
 * import express from 'express';
 * import { init } from 'dynotel';
 * import { dynotel } from 'dynotel/express';
 *
 * const telemetry = init();
 * const app = express();
 * app.use(dynotel(telemetry));
 * app.get('/hello/:name', (req, res) => {
 *   telemetry.logger.info({ name: req.params.name }, 'greeting'); // carries trace_id and x_request_id
 *   res.json({ hello: req.params.name });
 * });
 * app.listen(8000);
 * ```
 */
export function dynotel(
  telemetry: Telemetry = init(),
  options: ExpressMiddlewareOptions = {},
): ExpressMiddleware {
  const http = telemetry.http;
  const handlers = telemetry.handlers;
  const systemRoutes = options.systemRoutes ?? true;
  const markReady = options.markReadyOnListen ?? true;
  if (!markReady) holdListenReadiness(telemetry.health);
  // A server that listened before init() is not seen by the listen watcher: found on its first request.
  const track = serverTracker((server) => {
    telemetry.trackServer(server);
    if (markReady) serverServing(telemetry.health, server);
  });
  const errorHandler = dynotelErrorHandler(telemetry);
  const middleware: ExpressMiddleware = function dynotelMiddleware(req, res, next) {
    track(req);
    if (systemRoutes && isSystemPath(handlers, req.url) && !appServesRequest(req)) {
      // Started already by the zero-code instrumentation: dynotel's own routes are not app traffic.
      const started = activeRequestOf(req);
      if (started !== undefined) http.discard(started);
      handlers.handle(req, res);
      return;
    }
    const response = res as ResponseWithRequest;
    response[requestKey] = req as ExpressRequest;
    // Started by the zero-code instrumentation when it saw the request first (counted once): it set the
    // header, its 'close' listener finishes the request (with Express's route template), and its frame is
    // current, so `run` calls `next` directly. Nothing to do twice on the hot path.
    const started = activeRequestOf(req);
    if (started !== undefined) {
      response[activeKey] = started;
      http.run(started, next);
      return;
    }
    const active = http.start(req);
    res.setHeader('x-request-id', active.identity.xRequestId);
    response[activeKey] = active;
    response[closeListenedKey] = true;
    res.on('close', onResponseClose);
    http.run(active, next);
  };
  onServerListening(
    telemetry.health,
    expressAppListening({ middleware, errorHandler, paths: systemRoutes ? handlers.paths : undefined }),
  );
  return middleware;

  // 'close' always comes (after 'finish' when the response completed, alone when the client hung up).
  // One listener shared by every request (request and state ride on the response), not a closure each.
  function onResponseClose(this: ResponseWithRequest): void {
    const active = this[activeKey];
    if (active === undefined) return;
    const completed = responseCompleted(this);
    http.finish(active, {
      statusCode: completed ? this.statusCode : 499,
      route: this[requestKey] === undefined ? undefined : routeOf(this[requestKey]),
      aborted: !completed,
    });
    const endpointRequest = this[endpointKey];
    if (endpointRequest !== undefined) finishEndpointRequest(endpointRequest, this);
  }
}

const requestKey = Symbol('dynotel.expressRequest');
const activeKey = Symbol('dynotel.activeRequest');
const endpointKey = Symbol('dynotel.endpointRequest');
/** The middleware's own 'close' listener is on the response (it finishes an attached endpoint too). */
const closeListenedKey = Symbol('dynotel.closeListened');
type ResponseWithRequest = ServerResponse & {
  [closeListenedKey]?: true;
  [requestKey]?: ExpressRequest;
  [activeKey]?: ActiveRequest;
  [endpointKey]?: EndpointHttpRequest;
};

/** Finishes the Dynamo endpoint request of a response whose HTTP request another listener finishes. */
function finishAttachedEndpoint(this: ResponseWithRequest): void {
  const endpointRequest = this[endpointKey];
  if (endpointRequest !== undefined) finishEndpointRequest(endpointRequest, this);
}
