import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EndpointHealth } from '@dynotel/health';
import type { ComponentMetrics, ComponentRequest, EndpointLevel } from '@dynotel/metrics';

/** A Dynamo endpoint this process serves: its work-handler metrics and its readiness. */
export interface ServedEndpoint {
  readonly name: string;
  /** The endpoint's metrics level: metrics created here carry all three hierarchy labels. */
  readonly level: EndpointLevel;
  /** Dynamo's `dynamo_component_*` work-handler metrics of this endpoint. */
  readonly metrics: ComponentMetrics;
  readonly health: EndpointHealth;
  /**
   * Runs one request through the endpoint: requests/inflight/duration recorded as Dynamo's guard does,
   * a thrown error counted as `error_type="generate"`, and a success resets the canary's idle timer.
   */
  handle<T>(requestBytes: number, fn: (request: ComponentRequest) => T | Promise<T>): Promise<T>;
  /**
   * Tracks one HTTP request served by this endpoint (what the Express `dynamoEndpoint()` middleware and
   * the Fastify route option do): request bytes from `content-length`, response bytes as written, a 5xx
   * counted as `error_type="generate"`, a client that left before the end as a cancellation, and a
   * success resetting the canary's idle timer.
   */
  track(req: IncomingMessage, res: ServerResponse): void;
}

export function servedEndpoint(
  name: string,
  level: EndpointLevel,
  metrics: ComponentMetrics,
  health: EndpointHealth,
): ServedEndpoint {
  const endpoint: ServedEndpoint = {
    name,
    level,
    metrics,
    health,
    async handle(requestBytes, fn) {
      const request = metrics.startRequest(requestBytes);
      try {
        const result = await fn(request);
        health.requestSucceeded();
        return result;
      } catch (error) {
        request.error('generate');
        throw error;
      } finally {
        request.end();
      }
    },
    track(req, res) {
      const tracked = startEndpointRequest(endpoint, req, res);
      res.once('close', () => finishEndpointRequest(tracked, res));
    },
  };
  return endpoint;
}

/** The endpoint's side of one HTTP request: started with the request, finished when its response closes. */
export interface EndpointHttpRequest {
  readonly request: ComponentRequest;
  readonly health: EndpointHealth;
}

/**
 * What `track` does at the start of a request, without its 'close' listener: the Fastify plugin and the
 * Express middleware finish it from the one 'close' listener they have anyway (a second listener per
 * response costs the server more than its own work, see bench/ANALYSIS.md).
 */
export function startEndpointRequest(
  endpoint: ServedEndpoint,
  req: IncomingMessage,
  res: ServerResponse,
): EndpointHttpRequest {
  const declared = Number(req.headers['content-length']);
  const request = endpoint.metrics.startRequest(Number.isFinite(declared) && declared > 0 ? declared : 0);
  countResponseBytes(res, request);
  return { request, health: endpoint.health };
}

/** The end of a tracked request, from its response's 'close': cancelled, failed or succeeded. */
export function finishEndpointRequest(tracked: EndpointHttpRequest, res: ServerResponse): void {
  if (!res.writableFinished) tracked.request.cancelled();
  else if (res.statusCode >= 500) tracked.request.error('generate');
  else if (res.statusCode < 400) tracked.health.requestSucceeded();
  tracked.request.end();
}

/** Adds every chunk the handler writes to `response_bytes_total` (Dynamo counts each response frame). */
function countResponseBytes(res: ServerResponse, request: ComponentRequest): void {
  const write = res.write;
  const end = res.end;
  const count = (chunk: unknown, encoding: unknown) => {
    if (typeof chunk === 'string') {
      request.responseBytes(
        Buffer.byteLength(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8'),
      );
    } else if (chunk instanceof Uint8Array) request.responseBytes(chunk.byteLength);
  };
  res.write = function (this: ServerResponse, chunk: unknown, ...rest: unknown[]) {
    count(chunk, rest[0]);
    return (write as (...args: unknown[]) => boolean).call(this, chunk, ...rest);
  } as ServerResponse['write'];
  res.end = function (this: ServerResponse, chunk?: unknown, ...rest: unknown[]) {
    if (typeof chunk !== 'function') count(chunk, rest[0]);
    return (end as (...args: unknown[]) => ServerResponse).call(this, chunk, ...rest);
  } as ServerResponse['end'];
}
