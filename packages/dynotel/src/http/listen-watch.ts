/**
 * Servers that start listening, seen on Node's `tracing:net.server.listen:asyncEnd` diagnostics channel
 * (published by every `net.Server` — node:http, node:https, node:http2, Express's `app.listen`, Fastify —
 * once the socket is bound, before the 'listening' callbacks; Node 22.15+, 24 and 26 publish it). This is
 * how dynotel knows the service is serving without waiting for its first request: Express's middleware
 * otherwise only meets the server on a request, and a readiness probe gets no traffic before it passes.
 * dynotel's own system status server is left out (`isSystemServer`).
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { Server as NetServer } from 'node:net';
import { diag } from '@dynotel/core';
import { isSystemServer } from '@dynotel/health';
import { isClusterRoundRobinHandle } from '../cluster/round-robin-handle.ts';

export const LISTEN_CHANNEL = 'tracing:net.server.listen:asyncEnd';

/**
 * Calls `onListen` for every server of the service that starts listening, until the returned function is
 * called. A throwing callback is reported once and never reaches the `listen()` call of the service.
 */
export function watchListeningServers(onListen: (server: NetServer) => void): () => void {
  const listener = (message: unknown): void => {
    const server = (message as { server?: NetServer } | null)?.server;
    if (server === undefined || server === null || isSystemServer(server)) return;
    if (isClusterRoundRobinHandle(server)) return;
    try {
      onListen(server);
    } catch (error) {
      diag.once('dynotel.http.listen', {
        level: 'error',
        target: 'dynotel.http',
        message: 'handling a server that started listening failed; readiness may need setProcessStatus',
        fields: { error: String(error) },
      });
    }
  };
  subscribe(LISTEN_CHANNEL, listener);
  return () => {
    unsubscribe(LISTEN_CHANNEL, listener);
  };
}

/** A node:http(s) server, which graceful shutdown can drain (HTTP/2 and raw TCP servers cannot be). */
export function isHttp1Server(server: object): server is import('node:http').Server {
  return typeof (server as { closeIdleConnections?: unknown }).closeIdleConnections === 'function';
}
