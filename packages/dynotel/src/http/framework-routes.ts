import type { IncomingMessage } from 'node:http';

/** The parts of Express's request the route template comes from (no runtime dependency on express). */
interface ExpressRequest extends IncomingMessage {
  baseUrl?: unknown;
  originalUrl?: unknown;
  route?: { path?: unknown };
}

const SLASH = 47;

/** The number of path segments of `path` up to its query, a trailing slash not counted. */
function segmentCount(path: string): number {
  let end = path.indexOf('?');
  if (end === -1) end = path.length;
  if (end > 1 && path.charCodeAt(end - 1) === SLASH) end--;
  let count = 0;
  for (let i = 0; i < end; i++) if (path.charCodeAt(i) === SLASH) count++;
  return count;
}

/** A template whose parts each match one segment: no wildcard, optional group or pattern syntax. */
const FIXED_SHAPE = /^[^*{}()?+]*$/;

/**
 * The route template Express matched (`/v1/models/:id`, mount path included), read from the request at
 * the finish: Express sets `req.route` when a route matches and leaves it, and `req.baseUrl` is still
 * that of the router that served the route when the route answered (a nested router restores its
 * parent's only when it hands the request back). A route that failed did hand it back (to the error
 * handler): its `baseUrl` is then the parent's, and the template would lose its mount path. That is
 * caught by shape — a template of fixed segments must have as many segments as the request's path — and
 * such a request counts as `undefined` (unmatched) rather than under a wrong template. `undefined` for
 * any other server, or no match.
 */
export function expressRouteOf(req: IncomingMessage): string | undefined {
  const express = req as ExpressRequest;
  const path = express.route?.path;
  if (typeof path !== 'string') return undefined;
  const base = express.baseUrl;
  const template = typeof base === 'string' ? `${base}${path}` : path;
  if (FIXED_SHAPE.test(template)) {
    const url = typeof express.originalUrl === 'string' ? express.originalUrl : (req.url ?? '');
    if (segmentCount(template) !== segmentCount(url)) return undefined;
  }
  return template;
}
