import diagnosticsChannel from 'node:diagnostics_channel';
import type { ClientRequest, IncomingMessage } from 'node:http';
import type { ClientCall, OutgoingCalls, OutgoingHeaders } from './outgoing-calls.ts';

const CREATED = 'http.client.request.created';
const START = 'http.client.request.start';
const RESPONSE = 'http.client.response.finish';
const ERROR = 'http.client.request.error';

/**
 * Instruments every node:http / node:https client request from Node's `http.client.*` channels.
 * `http.client.request.created` (Node ≥ 22.14 / 23.2) is published in the ClientRequest constructor,
 * before the headers are written: the headers are added there with `setHeader`, unless the application
 * passed its headers as an array (Node writes those in the constructor) — then the call is traced but
 * not propagated, and counted. On a Node without that channel `http.client.request.start` (headers
 * already written) starts the call the same way. `http.client.response.finish` (response headers
 * arrived) or `http.client.request.error` ends it. Returns the unsubscribe.
 */
export function instrumentNodeHttpClient(calls: OutgoingCalls): () => void {
  const inFlight = new WeakMap<ClientRequest, ClientCall>();
  const seen = new WeakSet<ClientRequest>();
  const begin = (request: ClientRequest, headers: OutgoingHeaders | undefined) => {
    seen.add(request);
    const call = calls.start(targetOf(request), headers);
    if (call !== undefined) inFlight.set(request, call);
  };
  const onCreated = (message: unknown) => {
    const request = (message as { request?: ClientRequest }).request;
    if (request === undefined || seen.has(request)) return;
    begin(request, request.headersSent ? undefined : nodeHeaders(request));
  };
  const onStart = (message: unknown) => {
    const request = (message as { request?: ClientRequest }).request;
    if (request === undefined || seen.has(request)) return;
    begin(request, request.headersSent ? undefined : nodeHeaders(request));
  };
  const onResponse = (message: unknown) => {
    const { request, response } = message as { request: ClientRequest; response?: IncomingMessage };
    const call = inFlight.get(request);
    if (call === undefined) return;
    inFlight.delete(request);
    calls.finish(call, response?.statusCode);
  };
  const onError = (message: unknown) => {
    const { request, error } = message as { request: ClientRequest; error: unknown };
    const call = inFlight.get(request);
    if (call === undefined) return;
    inFlight.delete(request);
    calls.finish(call, undefined, error ?? new Error('request failed'));
  };
  diagnosticsChannel.subscribe(CREATED, onCreated);
  diagnosticsChannel.subscribe(START, onStart);
  diagnosticsChannel.subscribe(RESPONSE, onResponse);
  diagnosticsChannel.subscribe(ERROR, onError);
  return () => {
    diagnosticsChannel.unsubscribe(CREATED, onCreated);
    diagnosticsChannel.unsubscribe(START, onStart);
    diagnosticsChannel.unsubscribe(RESPONSE, onResponse);
    diagnosticsChannel.unsubscribe(ERROR, onError);
  };
}

function targetOf(request: ClientRequest) {
  const secure = request.protocol === 'https:';
  const hostHeader = request.getHeader('host');
  const port = portOf(typeof hostHeader === 'string' ? hostHeader : undefined) ?? (secure ? 443 : 80);
  const host = request.host.startsWith('[') ? request.host.slice(1, -1) : request.host;
  const authority = host.includes(':') ? `[${host}]` : host;
  const defaultPort = secure ? 443 : 80;
  return {
    method: request.method,
    origin: `${request.protocol}//${authority}${port === defaultPort ? '' : `:${port}`}`,
    host,
    port,
    path: request.path,
  };
}

/** The port of a `Host` header value (`host:port`, `[v6]:port`), when it names one. */
function portOf(host: string | undefined): number | undefined {
  if (host === undefined) return undefined;
  const match = /:(\d+)$/.exec(host);
  return match === null ? undefined : Number(match[1]);
}

function nodeHeaders(request: ClientRequest): OutgoingHeaders {
  return {
    has: (name) => request.hasHeader(name),
    add(name, value) {
      if (!request.headersSent) request.setHeader(name, value);
    },
  };
}
