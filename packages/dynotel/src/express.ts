/**
 * Express 5 middleware: `app.use(dynotel(init()))`. Per request: the request id (validated, echoed in
 * `x-request-id`), the `http-request` server span continuing an inbound `traceparent`, the request
 * context for logs, HTTP RED metrics with the route template, and one access line. It also answers
 * `/metrics`, `/health` and `/live` on the application's port (DYN_HTTP_SVC_*_PATH), uninstrumented.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  type EndpointHttpRequest,
  finishEndpointRequest,
  type ServedEndpoint,
  startEndpointRequest,
} from './endpoint.ts';
import { expressRouteOf } from './http/framework-routes.ts';
import { type ActiveRequest, activeRequestOf } from './http/instrumentation.ts';
import { serverTracker } from './http/server-tracking.ts';
import { init } from './init.ts';
import type { Telemetry } from './telemetry.ts';

export interface ExpressMiddlewareOptions {
  /** Serve /metrics, /health and /live on this app. Default true. */
  readonly systemRoutes?: boolean;
  /**
   * Set the process status `ready` once the app's server accepts its first connection (a serving frontend
   * is ready, as Dynamo's frontend /health always is; the first request is usually the readiness probe).
   * A service that warms up first sets false and calls `telemetry.health.setProcessStatus('ready')`.
   * Default true.
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

/** The route template Express matched (`/v1/models/:id`, mount path included), or undefined. */
const routeOf: (req: ExpressRequest) => string | undefined = expressRouteOf;

/**
 * Declares a route as a Dynamo endpoint: `app.post('/generate', dynamoEndpoint(telemetry.endpoint('generate')), handler)`
 * feeds that endpoint's `dynamo_component_*` work-handler metrics and its canary idle timer.
 */
export function dynamoEndpoint(endpoint: ServedEndpoint): ExpressMiddleware {
  return function dynamoEndpointMiddleware(req, res, next) {
    const response = res as ResponseWithRequest;
    // Behind dynotel's middleware, its 'close' listener finishes the endpoint's request too: no second
    // listener per response. Alone (or a second endpoint on the same request), it brings its own.
    if (response[activeKey] !== undefined && response[endpointKey] === undefined) {
      response[endpointKey] = startEndpointRequest(endpoint, req, res);
    } else endpoint.track(req, res);
    next();
  };
}

export function dynotel(
  telemetry: Telemetry = init(),
  options: ExpressMiddlewareOptions = {},
): ExpressMiddleware {
  const http = telemetry.http;
  const handlers = telemetry.handlers;
  const systemRoutes = options.systemRoutes ?? true;
  const markReady = options.markReadyOnListen ?? true;
  const track = serverTracker((server) => {
    telemetry.trackServer(server);
    if (markReady) telemetry.health.setProcessStatus('ready');
  });
  return function dynotelMiddleware(req, res, next) {
    track(req);
    if (systemRoutes && handlers.handle(req, res)) {
      // Started already by the zero-code instrumentation: dynotel's own routes are not app traffic.
      const started = activeRequestOf(req);
      if (started !== undefined) http.discard(started);
      return;
    }
    // The request the zero-code instrumentation started, when it saw it first (counted once).
    const active = http.start(req);
    res.setHeader('x-request-id', active.identity.xRequestId);
    const response = res as ResponseWithRequest;
    response[requestKey] = req as ExpressRequest;
    response[activeKey] = active;
    res.on('close', onResponseClose);
    http.run(active, next);
  };

  // 'close' always comes (after 'finish' when the response completed, alone when the client hung up).
  // One listener shared by every request (request and state ride on the response), not a closure each.
  function onResponseClose(this: ResponseWithRequest): void {
    const active = this[activeKey];
    if (active === undefined) return;
    const completed = this.writableFinished;
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
type ResponseWithRequest = ServerResponse & {
  [requestKey]?: ExpressRequest;
  [activeKey]?: ActiveRequest;
  [endpointKey]?: EndpointHttpRequest;
};
