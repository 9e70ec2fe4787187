import diagnosticsChannel from 'node:diagnostics_channel';
import type { ClientCall, OutgoingCalls, OutgoingHeaders } from './outgoing-calls.ts';

/**
 * The part of undici's `Request` the channels hand out that this file reads (undici 5–7; Node's bundled
 * undici behind global `fetch` and a user-installed `undici` publish on the same named channels, so one
 * subscription covers both). `headers` is a flat `[name, value, …]` array (undici ≥ 6) or a
 * `name: value\r\n` string (undici 5).
 */
interface UndiciRequest {
  readonly method?: string;
  readonly origin?: string | URL;
  readonly path?: string;
  readonly headers?: unknown;
  addHeader?(name: string, value: string): unknown;
}

const CREATE = 'undici:request:create';
const HEADERS = 'undici:request:headers';
const ERROR = 'undici:request:error';

/**
 * Instruments every fetch()/undici request from undici's diagnostics channels: `undici:request:create`
 * starts the call and adds the headers (`request.addHeader`, before anything is written), then
 * `undici:request:headers` (response headers arrived) or `undici:request:error` ends it. The call ends
 * at the response headers, not the trailers: a body the application never reads would otherwise leave
 * the span open for ever. Returns the unsubscribe.
 */
export function instrumentUndici(calls: OutgoingCalls): () => void {
  const inFlight = new WeakMap<object, ClientCall>();
  const onCreate = (message: unknown) => {
    const request = (message as { request?: UndiciRequest }).request;
    if (request === undefined || typeof request.addHeader !== 'function') return;
    const origin = parseOrigin(request.origin);
    if (origin === undefined) return;
    const call = calls.start(
      {
        method: request.method,
        origin: origin.origin,
        host: origin.hostname,
        port: origin.port,
        path: request.path ?? '/',
      },
      undiciHeaders(request),
    );
    if (call !== undefined) inFlight.set(request, call);
  };
  const onHeaders = (message: unknown) => {
    const { request, response } = message as { request: object; response?: { statusCode?: number } };
    const call = inFlight.get(request);
    if (call === undefined) return;
    inFlight.delete(request);
    calls.finish(call, response?.statusCode);
  };
  const onError = (message: unknown) => {
    const { request, error } = message as { request: object; error: unknown };
    const call = inFlight.get(request);
    if (call === undefined) return;
    inFlight.delete(request);
    calls.finish(call, undefined, error ?? new Error('request failed'));
  };
  diagnosticsChannel.subscribe(CREATE, onCreate);
  diagnosticsChannel.subscribe(HEADERS, onHeaders);
  diagnosticsChannel.subscribe(ERROR, onError);
  return () => {
    diagnosticsChannel.unsubscribe(CREATE, onCreate);
    diagnosticsChannel.unsubscribe(HEADERS, onHeaders);
    diagnosticsChannel.unsubscribe(ERROR, onError);
  };
}

function parseOrigin(
  origin: string | URL | undefined,
): { origin: string; hostname: string; port: number } | undefined {
  if (origin === undefined) return undefined;
  try {
    const url = typeof origin === 'string' ? new URL(origin) : origin;
    const port = url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port);
    // IPv6 hosts come bracketed from URL; server.address is the bare address.
    const hostname = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
    return { origin: url.origin, hostname, port };
  } catch {
    return undefined;
  }
}

function undiciHeaders(request: UndiciRequest): OutgoingHeaders {
  return {
    has(name) {
      const headers = request.headers;
      if (Array.isArray(headers)) {
        for (let i = 0; i < headers.length; i += 2) {
          const key = headers[i];
          if (typeof key === 'string' && key.toLowerCase() === name) return true;
        }
        return false;
      }
      if (typeof headers === 'string') {
        return headers
          .split('\r\n')
          .some((line) => line.slice(0, line.indexOf(':')).trim().toLowerCase() === name);
      }
      return false;
    },
    add(name, value) {
      request.addHeader?.(name, value);
    },
  };
}
