/**
 * Fastify 5 plugin: `await app.register(dynotel, { telemetry })`. A route declared as a Dynamo endpoint
 * with `config: { dynamoEndpoint: 'generate' }` also feeds that endpoint's work-handler metrics. The same per-request work as the
 * Express middleware, with Fastify's route template (`request.routeOptions.url`), plus GET/HEAD routes
 * for `/metrics`, `/health` and `/live` on the application's port.
 */

import type { ServerResponse } from 'node:http';
import type { FastifyPluginCallback, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { type EndpointHttpRequest, finishEndpointRequest, startEndpointRequest } from './endpoint.ts';
import { type ActiveRequest, activeRequestOf } from './http/instrumentation.ts';
import { init } from './init.ts';
import type { Telemetry } from './telemetry.ts';

export interface FastifyPluginOptions {
  /** Default: `init()`. */
  readonly telemetry?: Telemetry;
  /** Serve /metrics, /health and /live on this app. Default true. */
  readonly systemRoutes?: boolean;
  /**
   * Set the process status `ready` once the server listens (a serving frontend is ready, as Dynamo's
   * frontend /health always is). A service that warms up first sets false and calls
   * `telemetry.health.setProcessStatus('ready')` itself. Default true.
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
    /** @internal Marks dynotel's own /metrics, /health and /live routes (not instrumented). */
    dynotelSystemRoute?: boolean;
  }
}

const requestKey = Symbol('dynotel.fastifyRequest');
type ResponseWithRequest = ServerResponse & { [requestKey]?: FastifyRequest };

const plugin: FastifyPluginCallback<FastifyPluginOptions> = (fastify, options, done) => {
  const telemetry = options.telemetry ?? init();
  const http = telemetry.http;
  telemetry.trackServer(fastify.server);
  // Every request of this server from Node's channel, also those Fastify answers before onRequest
  // (a malformed URL's 400, an unknown method's 404); onRequest below reuses the request it started.
  telemetry.instrumentServer(fastify.server);
  if (options.markReadyOnListen ?? true) {
    fastify.addHook('onListen', (hookDone) => {
      telemetry.health.setProcessStatus('ready');
      hookDone();
    });
  }
  // Declared up front so every request object has the same shape (Fastify's advice for speed).
  fastify.decorateRequest('dynotel', null);
  fastify.decorateRequest('dynotelRoute', undefined);
  fastify.decorateRequest('dynotelEndpoint', null);

  if (options.systemRoutes ?? true) {
    const { handlers } = telemetry;
    const routes: Array<[string, (req: FastifyRequest['raw'], res: FastifyReply['raw']) => void]> = [
      [handlers.paths.metrics, handlers.metrics],
      [handlers.paths.health, handlers.health],
      [handlers.paths.live, handlers.live],
    ];
    for (const [url, handler] of routes) {
      fastify.route({
        method: ['GET', 'HEAD'],
        url,
        config: { dynotelSystemRoute: true },
        handler(request, reply) {
          reply.hijack();
          handler(request.raw, reply.raw);
        },
      });
    }
  }

  // The raw response's 'close' finishes every request: it always comes (after 'finish' when the response
  // completed, alone when the client hung up), also for a client gone after its body was read, which
  // gets neither onResponse nor onRequestAbort. One listener shared by all requests (the request rides on
  // the response) instead of onResponse + onRequestAbort hooks and a per-request closure.
  function onResponseClose(this: ResponseWithRequest): void {
    const request = this[requestKey];
    const active = request?.dynotel;
    if (active === null || active === undefined) return;
    const completed = this.writableFinished;
    http.finish(active, {
      statusCode: completed ? this.statusCode : 499,
      route: request!.dynotelRoute,
      aborted: !completed,
    });
    const endpointRequest = request!.dynotelEndpoint;
    if (endpointRequest !== null) finishEndpointRequest(endpointRequest, this);
  }

  fastify.addHook('onRequest', (request, reply, hookDone) => {
    const route = request.routeOptions;
    if (route.config?.dynotelSystemRoute) {
      const started = activeRequestOf(request.raw);
      if (started !== undefined) http.discard(started);
      hookDone();
      return;
    }
    const active = http.start(request.raw);
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
    reply.header('x-request-id', active.identity.xRequestId);
    const raw = reply.raw as ResponseWithRequest;
    raw[requestKey] = request;
    raw.on('close', onResponseClose);
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

export const dynotel = fp(plugin, { fastify: '5.x', name: 'dynotel' });
export default dynotel;
