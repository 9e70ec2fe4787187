import type { IncomingMessage } from 'node:http';

/** The parts of Express's request the route template comes from (no runtime dependency on express). */
interface ExpressRequest extends IncomingMessage {
  baseUrl?: unknown;
  route?: { path?: unknown };
}

/**
 * The route template Express matched (`/v1/models/:id`, mount path included), read from the request at
 * the finish: Express sets `req.route` when a route matches and leaves it, and `req.baseUrl` is that of
 * the router that served the route (a nested router restores its parent's only when it passes the
 * request on, which a route that answered does not). `undefined` for any other server, or no match.
 */
export function expressRouteOf(req: IncomingMessage): string | undefined {
  const path = (req as ExpressRequest).route?.path;
  if (typeof path !== 'string') return undefined;
  const base = (req as ExpressRequest).baseUrl;
  return typeof base === 'string' ? `${base}${path}` : path;
}
