import type * as http from 'node:http';
import { gzipSync } from 'node:zlib';
import { isRetryableHttpStatus, parseRetryAfter } from './retry-policy.ts';
import { type AttemptResult, type OtlpTransport, TRANSPORT_CLOSED } from './transport.ts';

// node:http through process.getBuiltinModule, not an ES import: in the ESM build an import of node:http
// makes Node build its ES module facade, which reads every export, the lazily loaded ones too (15-30 ms
// on Node 22 and 24), a cost a service reaching node:http through require (Express, Fastify) never pays.
const { Agent, request } = process.getBuiltinModule('node:http');

/** Cap on the response body we read (OTLP spec: the client MUST cap response size; 4 MiB is fine). */
const MAX_RESPONSE_BYTES = 4 * 1024 * 1024;

export interface HttpTransportOptions {
  readonly url: URL;
  readonly headers: Readonly<Record<string, string>>;
  readonly compression: 'gzip' | 'none';
  readonly userAgent: string;
}

/** OTLP/HTTP with protobuf bodies over node:http(s), keep-alive, one request per attempt. */
export class HttpTransport implements OtlpTransport {
  readonly protocol = 'http/protobuf' as const;
  readonly releasesBodyOnSettle = false;
  readonly #options: HttpTransportOptions;
  readonly #agent: http.Agent;
  readonly #request: typeof http.request;
  readonly #inFlight = new Set<http.ClientRequest>();
  #closed = false;

  constructor(options: HttpTransportOptions) {
    this.#options = options;
    const secure = options.url.protocol === 'https:';
    // node:https (TLS) is loaded only for an https endpoint: ~9 ms of start-up otherwise spent for nothing.
    if (secure) {
      const https = process.getBuiltinModule('node:https');
      this.#agent = new https.Agent({ keepAlive: true });
      this.#request = https.request;
    } else {
      this.#agent = new Agent({ keepAlive: true });
      this.#request = request;
    }
  }

  send(body: Uint8Array, deadline: number): Promise<AttemptResult> {
    if (this.#closed) return TRANSPORT_CLOSED;
    const gzip = this.#options.compression === 'gzip';
    const payload = gzip ? gzipSync(body) : body;
    return new Promise((resolve) => {
      let settled = false;
      const settle = (result: AttemptResult): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.#inFlight.delete(request);
        resolve(result);
      };
      const request = this.#request(this.#options.url, {
        method: 'POST',
        agent: this.#agent,
        headers: {
          ...this.#options.headers,
          'content-type': 'application/x-protobuf',
          'content-length': String(payload.byteLength),
          'user-agent': this.#options.userAgent,
          ...(gzip ? { 'content-encoding': 'gzip' } : {}),
        },
      });
      const timer = setTimeout(
        () => {
          request.destroy();
          settle({
            kind: 'failure',
            retryable: true, // like gRPC DEADLINE_EXCEEDED; the exporter sees no budget is left and gives up
            code: 'DEADLINE_EXCEEDED',
            message: 'export timeout reached',
          });
        },
        Math.max(0, deadline - Date.now()),
      );
      this.#inFlight.add(request);
      request.on('error', (error: NodeJS.ErrnoException) => {
        settle({
          kind: 'failure',
          retryable: !this.#closed,
          code: 'NETWORK',
          message: error.code === undefined ? error.message : `${error.code}: ${error.message}`,
        });
      });
      request.on('response', (response) => {
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size <= MAX_RESPONSE_BYTES) chunks.push(chunk);
        });
        response.on('error', () => {});
        response.on('end', () => {
          const status = response.statusCode ?? 0;
          if (status >= 200 && status < 300) {
            settle({
              kind: 'success',
              response: size <= MAX_RESPONSE_BYTES ? Buffer.concat(chunks) : Buffer.alloc(0),
            });
            return;
          }
          const retryAfter = response.headers['retry-after'];
          settle({
            kind: 'failure',
            retryable: isRetryableHttpStatus(status),
            code: `HTTP_${status}`,
            message: `HTTP ${status} ${response.statusMessage ?? ''}`.trim(),
            retryAfterMs: parseRetryAfter(Array.isArray(retryAfter) ? retryAfter[0] : retryAfter),
          });
        });
      });
      request.end(payload);
    });
  }

  shutdown(): void {
    this.#closed = true;
    for (const request of this.#inFlight) request.destroy(new Error('exporter is shut down'));
    this.#inFlight.clear();
    this.#agent.destroy();
  }
}
