import type { IncomingMessage, Server } from 'node:http';

/**
 * Finds the server a request arrived on (`socket.server`, set by net.Server for accepted sockets) and
 * hands it to graceful shutdown once, so an Express app needs no extra call to be drained on SIGTERM.
 */
export function serverTracker(track: (server: Server) => void): (req: IncomingMessage) => void {
  const seen = new WeakSet<object>();
  return (req) => {
    const server = (req.socket as { server?: Server } | null)?.server;
    if (server === undefined || seen.has(server)) return;
    seen.add(server);
    track(server);
  };
}
