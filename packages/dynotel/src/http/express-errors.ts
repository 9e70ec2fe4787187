/**
 * The error handler of dynotel's Express middleware. Without it an error thrown by a handler reaches
 * Express's default handler, which prints it as plain text on stderr, without the request's ids. This
 * one writes it once through dynotel's logger (message, stack, trace and request ids), hands it to the
 * request's access line and span, and then answers as Express's default handler would (same status and
 * headers, the same small HTML page: the stack outside production, the status text in production).
 * It runs after the app's own error handlers: an app that answers the error itself keeps doing so.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type DynotelLogger, logWithCorrelation } from '@dynotel/logging';
import type { ActiveRequest } from './instrumentation.ts';

// node:http through process.getBuiltinModule, not an ES import: in the ESM build an import of node:http
// makes Node build its ES module facade, which reads every export, the lazily loaded ones too (15-30 ms
// on Node 22 and 24), a cost a service reaching node:http through require (Express, Fastify) never pays.
const { STATUS_CODES } = process.getBuiltinModule('node:http');

export type ExpressErrorHandler = (
  error: unknown,
  req: IncomingMessage,
  res: ServerResponse,
  next: (error?: unknown) => void,
) => void;

const errorHandlerMark = Symbol.for('dynotel.expressErrorHandler');

/** Whether `fn` is a handler made by `createExpressErrorHandler` (it is appended only once). */
export function isDynotelErrorHandler(fn: unknown): boolean {
  return typeof fn === 'function' && (fn as { [errorHandlerMark]?: true })[errorHandlerMark] === true;
}

export interface ErrorHandlerDeps {
  readonly logger: DynotelLogger;
  /** The request dynotel's middleware is recording, or undefined (not behind the middleware). */
  activeOf(res: ServerResponse): ActiveRequest | undefined;
  /** Keeps the error for the access line and the span (the first error of a request). */
  setError(active: ActiveRequest, error: unknown): void;
}

export function createExpressErrorHandler(deps: ErrorHandlerDeps): ExpressErrorHandler {
  // Four parameters: Express tells an error handler by its arity, so `_next` stays although unused.
  const handler: ExpressErrorHandler = function dynotelErrorHandler(error, req, res, _next) {
    const active = deps.activeOf(res);
    const fields = { err: error, method: req.method, url: req.url };
    if (active === undefined) deps.logger.error(fields, 'request failed');
    else {
      deps.setError(active, error);
      logWithCorrelation(deps.logger, 'error', active.context, fields, 'request failed');
    }
    respondLikeExpress(error, req, res);
  };
  (handler as unknown as { [errorHandlerMark]: true })[errorHandlerMark] = true;
  return handler;
}

/** What Express's default handler (finalhandler) sends for an error. */
function respondLikeExpress(error: unknown, req: IncomingMessage, res: ServerResponse): void {
  if (res.headersSent) {
    // Too late for a status: finalhandler cuts the connection so the client sees the failure.
    req.socket?.destroy();
    return;
  }
  const given = error as { status?: unknown; statusCode?: unknown; headers?: unknown; stack?: unknown };
  const candidate = typeof given?.status === 'number' ? given.status : given?.statusCode;
  const status = typeof candidate === 'number' && candidate >= 400 && candidate <= 599 ? candidate : 500;
  const env = (req as { app?: { get?: (key: string) => unknown } }).app?.get?.('env');
  const text =
    env !== 'production' && typeof given?.stack === 'string'
      ? given.stack
      : (STATUS_CODES[status] ?? String(status));
  const body = `<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>Error</title>\n</head>\n<body>\n<pre>${escapeHtml(text).replaceAll('\n', '<br>').replaceAll('  ', ' &nbsp;')}</pre>\n</body>\n</html>\n`;
  for (const name of ['content-encoding', 'content-language', 'content-range']) res.removeHeader(name);
  if (status >= 400 && given?.headers !== null && typeof given?.headers === 'object') {
    for (const [name, value] of Object.entries(given.headers as Record<string, unknown>)) {
      if (typeof value === 'string' || typeof value === 'number') res.setHeader(name, value);
    }
  }
  res.statusCode = status;
  res.setHeader('content-security-policy', "default-src 'none'");
  res.setHeader('x-content-type-options', 'nosniff');
  res.setHeader('content-type', 'text/html; charset=utf-8');
  res.setHeader('content-length', Buffer.byteLength(body));
  res.end(req.method === 'HEAD' ? undefined : body);
}

function escapeHtml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}
