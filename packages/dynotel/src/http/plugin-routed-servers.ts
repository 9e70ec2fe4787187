import type { Server } from 'node:http';

/**
 * Servers whose route templates and handler errors a framework plugin of dynotel reports itself (the
 * Fastify plugin's onRequest and onError hooks). The zero-code instrumentation needs Fastify's handler
 * channels only for the other servers, and subscribes to them only once such a server has a request:
 * while anyone subscribes, Fastify runs every handler of every instance through its tracing channel.
 * A global symbol on the server object, so that a second copy of dynotel (its other module format)
 * sees the mark too.
 */
const ROUTED_BY_PLUGIN = Symbol.for('dynotel.routedByPlugin');

export function markRoutedByPlugin(server: Server): void {
  (server as unknown as Record<symbol, unknown>)[ROUTED_BY_PLUGIN] = true;
}

export function isRoutedByPlugin(server: Server): boolean {
  return (server as unknown as Record<symbol, unknown>)[ROUTED_BY_PLUGIN] === true;
}
