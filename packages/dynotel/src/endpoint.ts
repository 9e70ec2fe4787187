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
  return {
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
      const declared = Number(req.headers['content-length']);
      const request = metrics.startRequest(Number.isFinite(declared) && declared > 0 ? declared : 0);
      countResponseBytes(res, request);
      res.once('close', () => {
        if (!res.writableFinished) request.cancelled();
        else if (res.statusCode >= 500) request.error('generate');
        else if (res.statusCode < 400) health.requestSucceeded();
        request.end();
      });
    },
  };
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
