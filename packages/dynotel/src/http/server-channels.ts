/**
 * Zero-code incoming HTTP: every request of every node:http server (Express, Fastify, Koa, plain
 * node:http), seen on Node's diagnostics channels, without monkeypatching or loader hooks.
 *
 * - `http.server.request.start` ({ request, response, socket, server }) is published synchronously just
 *   before the server emits 'request': the request is started there (id, span, active gauge), its
 *   `x-request-id` set on the response, a 'close' listener added, and its frame entered, so the
 *   application's handler and everything it schedules run in the request's context.
 * - The response's 'close' (always emitted, after 'finish' or alone when the client hung up) finishes it:
 *   `http.server.response.finish` is not used, as it never comes for an aborted request.
 * - Fastify 5's `tracing:fastify.request.handler:start` ({ request, reply, route: { url, method } }) gives
 *   the route template of a request that reached its handler, `…:error` the handler's error; Express's
 *   template is read from the request at the finish (`expressRouteOf`). They are subscribed at the first
 *   request of a server the Fastify plugin does not instrument (plugin-routed-servers.ts): in time for
 *   that request's handler, and never in an app whose Fastify servers all have the plugin.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { diag } from '@dynotel/core';
import { isServerUninstrumented } from '@dynotel/core/internal';
import { ROOT_CONTEXT } from '@opentelemetry/api';
import { expressRouteOf } from './framework-routes.ts';
import {
  type ActiveRequest,
  activeRequestOf,
  type HttpInstrumentation,
  instrumentationErrors,
} from './instrumentation.ts';
import { isRoutedByPlugin } from './plugin-routed-servers.ts';

export const HTTP_SERVER_REQUEST_START = 'http.server.request.start';
export const FASTIFY_HANDLER_START = 'tracing:fastify.request.handler:start';
export const FASTIFY_HANDLER_ERROR = 'tracing:fastify.request.handler:error';

interface RequestStartMessage {
  readonly request: IncomingMessage;
  readonly response: ServerResponse;
  readonly server: Server;
}

interface FastifyHandlerMessage {
  readonly request?: { readonly raw?: IncomingMessage };
  readonly route?: { readonly url?: unknown };
  readonly error?: unknown;
}

export interface HttpServerChannels {
  /** Also instrument this server while the zero-code instrumentation of every server is off. */
  add(server: Server): void;
  /** Stops listening to the channels (requests in flight still finish). */
  close(): void;
}

/**
 * Subscribes the instrumentation to the channels. `allServers` is `config.instrumentation.httpServer`;
 * off, only servers given to `add` are instrumented (the Fastify plugin's, so that the requests Fastify
 * answers before any hook, a malformed URL's 400, an unknown method's 404, are counted too).
 */
export function subscribeHttpServerChannels(
  http: HttpInstrumentation,
  allServers: boolean,
): HttpServerChannels {
  const listed = new WeakSet<Server>();
  let subscribed = false;
  let fastifySubscribed = false;

  // A subscriber must never throw: diagnostics_channel rethrows a subscriber's error on the next tick,
  // as an uncaught exception in the host service.
  function failed(error: unknown): void {
    instrumentationErrors.inc();
    diag.once('dynotel.http.channel', {
      level: 'error',
      target: 'dynotel.http',
      message: 'the zero-code HTTP instrumentation failed on a request; further failures are only counted',
      fields: { error: String(error) },
    });
  }

  function onRequestStart(message: unknown): void {
    try {
      const { request, response, server } = message as RequestStartMessage;
      if (allServers ? isServerUninstrumented(server) : !listed.has(server)) return;
      if (!fastifySubscribed && !isRoutedByPlugin(server)) subscribeFastify();
      // The root context, not the active one: this runs in the connection's context, which on Node
      // without AsyncContextFrame still holds the previous request's frame on a keep-alive connection.
      const active = http.start(request, ROOT_CONTEXT);
      // The finish first: whatever fails after this point, a started request is still finished.
      response.on('close', onResponseClose);
      http.enter(active);
      response.setHeader('x-request-id', active.identity.xRequestId);
    } catch (error) {
      failed(error);
    }
  }

  // One listener shared by every request (the request rides on the response as `res.req`).
  function onResponseClose(this: ServerResponse): void {
    try {
      const active = activeRequestOf(this.req);
      if (active === undefined || active.finished) return;
      const completed = this.writableFinished;
      http.finish(active, {
        statusCode: completed ? this.statusCode : 499,
        route: active.route ?? expressRouteOf(this.req),
        aborted: !completed,
      });
    } catch (error) {
      failed(error);
    }
  }

  function activeOfFastify(message: unknown): ActiveRequest | undefined {
    const raw = (message as FastifyHandlerMessage).request?.raw;
    return raw === undefined ? undefined : activeRequestOf(raw);
  }

  function onFastifyHandlerStart(message: unknown): void {
    try {
      const active = activeOfFastify(message);
      const url = (message as FastifyHandlerMessage).route?.url;
      if (active !== undefined && typeof url === 'string') active.route = url;
    } catch (error) {
      failed(error);
    }
  }

  function onFastifyHandlerError(message: unknown): void {
    try {
      const active = activeOfFastify(message);
      const error = (message as FastifyHandlerMessage).error;
      if (active !== undefined && error !== undefined) http.recordError(active, error);
    } catch (error) {
      failed(error);
    }
  }

  function subscribeOnce(): void {
    if (subscribed) return;
    subscribed = true;
    subscribe(HTTP_SERVER_REQUEST_START, onRequestStart);
  }

  function subscribeFastify(): void {
    fastifySubscribed = true;
    subscribe(FASTIFY_HANDLER_START, onFastifyHandlerStart);
    subscribe(FASTIFY_HANDLER_ERROR, onFastifyHandlerError);
  }

  if (allServers) subscribeOnce();
  return {
    add(server) {
      if (allServers) return;
      listed.add(server);
      subscribeOnce();
    },
    close() {
      if (!subscribed) return;
      subscribed = false;
      unsubscribe(HTTP_SERVER_REQUEST_START, onRequestStart);
      if (!fastifySubscribed) return;
      fastifySubscribed = false;
      unsubscribe(FASTIFY_HANDLER_START, onFastifyHandlerStart);
      unsubscribe(FASTIFY_HANDLER_ERROR, onFastifyHandlerError);
    },
  };
}
