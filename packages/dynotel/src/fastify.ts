/**
 * Fastify 5 plugin: `await app.register(dynotel, { telemetry })`. A route declared as a Dynamo endpoint
 * with `config: { dynamoEndpoint: 'generate' }` also feeds that endpoint's work-handler metrics. The same per-request work as the
 * Express middleware, with Fastify's route template (`request.routeOptions.url`), plus GET/HEAD routes
 * for `/metrics`, `/health` and `/live` on the application's port.
 */

import type { ServerResponse } from 'node:http';
import type { FastifyPluginCallback, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { type EndpointHttpRequest, finishEndpointRequest, startEndpointRequest } from './endpoint.ts';
import { type ActiveRequest, activeRequestOf } from './http/instrumentation.ts';
import { isHttp1Server } from './http/listen-watch.ts';
import { markRoutedByPlugin } from './http/plugin-routed-servers.ts';
import { responseCompleted } from './http/response-completed.ts';
import { isSystemPath } from './http/system-paths.ts';
import { init } from './init.ts';
import type { Telemetry } from './telemetry.ts';

export type { ServedEndpoint } from './endpoint.ts';
export type { ServeEndpointOptions, Telemetry } from './telemetry.ts';

import { holdListenReadiness } from './wire/listen-readiness.ts';

export interface FastifyPluginOptions {
  /** Default: `init()`. */
  readonly telemetry?: Telemetry;
  /**
   * Answer /metrics, /health and /live (DYN_HTTP_SVC_*_PATH) on this app's port, for requests no route of
   * the app matches: an app route on the same path and method always wins. Default true.
   */
  readonly systemRoutes?: boolean;
  /**
   * Let the server listening set the process status `ready` (a serving frontend is ready, as Dynamo's
   * frontend /health always is; see docs/readiness.md). A service that warms up first sets false and
   * calls `telemetry.health.setProcessStatus('ready')` itself. Default true.
   */
  readonly markReadyOnListen?: boolean;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** @internal dynotel's per-request state. */
    dynotel: ActiveRequest | null;
    /** @internal The route template, read once at the start (`routeOptions` builds an object per read). */
    dynotelRoute: string | undefined;
    /** @internal The Dynamo endpoint's side of the request, when its route declares one. */
    dynotelEndpoint: EndpointHttpRequest | null;
  }
  interface FastifyContextConfig {
    /** Declares the route as this Dynamo endpoint: it feeds the endpoint's work-handler metrics. */
    dynamoEndpoint?: string;
  }
}

const requestKey = Symbol('dynotel.fastifyRequest');
type ResponseWithRequest = ServerResponse & { [requestKey]?: FastifyRequest };

const plugin: FastifyPluginCallback<FastifyPluginOptions> = (fastify, options, done) => {
  const telemetry = options.telemetry ?? init();
  const http = telemetry.http;
  // An HTTP/2 server (`Fastify({ http2: true })`) cannot be drained by graceful shutdown: everything
  // else works, and the listen watcher says so once. Readiness comes from the server listening.
  if (isHttp1Server(fastify.server)) {
    telemetry.trackServer(fastify.server);
    // The hooks below report this server's route templates and handler errors: the zero-code
    // instrumentation need not make Fastify trace every handler through its diagnostics channel.
    markRoutedByPlugin(fastify.server);
    // Every request of this server from Node's channel, also those Fastify answers before onRequest
    // (a malformed URL's 400, an unknown method's 404); onRequest below reuses the request it started.
    telemetry.instrumentServer(fastify.server);
  }
  if (options.markReadyOnListen === false) holdListenReadiness(telemetry.health);
  // Declared up front so every request object has the same shape (Fastify's advice for speed).
  fastify.decorateRequest('dynotel', null);
  fastify.decorateRequest('dynotelRoute', undefined);
  fastify.decorateRequest('dynotelEndpoint', null);

  // dynotel's /metrics, /health and /live are not Fastify routes: they answer only requests no route of
  // the app matched (Fastify's not-found route), so an app's own `/health` or `/metrics` always wins, in
  // whatever order it was declared. A wrong method gets 405 with `Allow: GET, HEAD`, as on the system server.
  const systemRoutes = options.systemRoutes ?? true;
  const handlers = telemetry.handlers;

  // The raw response's 'close' finishes every request: it always comes (after 'finish' when the response
  // completed, alone when the client hung up), also for a client gone after its body was read, which
  // gets neither onResponse nor onRequestAbort. One listener shared by all requests (the request rides on
  // the response) instead of onResponse + onRequestAbort hooks and a per-request closure.
  function onResponseClose(this: ResponseWithRequest): void {
    const request = this[requestKey];
    const active = request?.dynotel;
    if (active === null || active === undefined) return;
    const completed = responseCompleted(this);
    http.finish(active, {
      statusCode: completed ? this.statusCode : 499,
      route: request!.dynotelRoute,
      aborted: !completed,
    });
    const endpointRequest = request!.dynotelEndpoint;
    if (endpointRequest !== null) finishEndpointRequest(endpointRequest, this);
  }

  fastify.addHook('onRequest', (request, reply, hookDone) => {
    if (systemRoutes && request.is404 && isSystemPath(handlers, request.raw.url)) {
      // Started already by the zero-code instrumentation: dynotel's own routes are not app traffic.
      const started = activeRequestOf(request.raw);
      if (started !== undefined) http.discard(started);
      // Answered on the raw response, uninstrumented, and the lifecycle ends here (no hookDone).
      reply.hijack();
      handlers.handle(request.raw, reply.raw);
      return;
    }
    const route = request.routeOptions;
    // Started by the diagnostics channel (every request of an HTTP/1 server this plugin instruments):
    // its header is set and its 'close' listener finishes it, with the route template set below.
    const started = activeRequestOf(request.raw);
    const active = started ?? http.start(request.raw);
    request.dynotel = active;
    request.dynotelRoute = route.url;
    active.route ??= route.url;
    const endpointName = route.config?.dynamoEndpoint;
    if (endpointName !== undefined) {
      // Finished by onResponseClose: no 'close' listener of its own.
      request.dynotelEndpoint = startEndpointRequest(
        telemetry.endpoint(endpointName),
        request.raw,
        reply.raw,
      );
    }
    // One 'close' listener finishes a request: the channel's, unless the request did not come through it
    // (`inject()`, an HTTP/2 server) or a Dynamo endpoint must be finished too.
    if (started === undefined) reply.header('x-request-id', active.identity.xRequestId);
    if (started === undefined || request.dynotelEndpoint !== null) {
      const raw = reply.raw as ResponseWithRequest;
      raw[requestKey] = request;
      raw.on('close', onResponseClose);
    }
    // Everything after this hook (handlers, their promises, log calls) runs in the request's context.
    http.run(active, hookDone);
  });

  fastify.addHook('onError', (request, _reply, error, hookDone) => {
    const active = request.dynotel;
    if (active !== null) http.recordError(active, error);
    hookDone();
  });

  done();
};

/**
 * The Fastify plugin: the same per-request telemetry as the Express middleware (request id, server span,
 * request context, RED metrics by route, access line), `/metrics` `/health` `/live` on the app's port,
 * and graceful shutdown of `fastify.server`. Register it before the routes.
 *
 * @example
 * ```ts compile-only
 * import Fastify from 'fastify';
 * import { init } from 'dynotel';
 * import { dynotel } from 'dynotel/fastify';
 *
 * const telemetry = init();
 * const app = Fastify({ loggerInstance: telemetry.logger });
 * await app.register(dynotel, { telemetry });
 * app.post('/generate', { config: { dynamoEndpoint: 'generate' } }, async () => ({ text: '' }));
 * await app.listen({ port: 8000 });
 * ```
 */
export const dynotel = fp(plugin, { fastify: '5.x', name: 'dynotel' });
export default dynotel;
