import { Worker } from 'node:worker_threads';
import { gzipSync } from 'node:zlib';
import type { OtlpProtocol } from '../options.ts';

export interface ExitDeliveryRequest {
  readonly protocol: OtlpProtocol;
  readonly url: URL;
  readonly headers: Readonly<Record<string, string>>;
  readonly compression: 'gzip' | 'none';
  readonly userAgent: string;
  /** Serialized ExportTraceServiceRequests, sent one after the other on one connection. */
  readonly bodies: readonly Uint8Array[];
  /** How long the exit may be held up, worker start-up included. */
  readonly timeoutMs: number;
}

/**
 * `delivered`: the collector acknowledged every request (gRPC status 0, HTTP 2xx). `refused`: it
 * answered one with an error. `failed`: no answer (connection refused or reset, bad address).
 * `timeout`: not done within the bound. `deliveredRequests` counts the requests acknowledged, in order.
 */
export interface ExitDeliveryResult {
  readonly outcome: 'delivered' | 'refused' | 'failed' | 'timeout';
  readonly deliveredRequests: number;
}

const PENDING = 0;
const OUTCOMES: readonly ExitDeliveryResult['outcome'][] = ['timeout', 'delivered', 'refused', 'failed'];
const GRPC_EXPORT_PATH = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';

/**
 * The worker's code, CommonJS, self-contained (no file to resolve from source or from dist). It sends
 * the requests in order, counts each acknowledged one in the shared state, and stores the outcome in the
 * word the main thread waits on. gRPC is spoken with node:http2 and the gRPC wire framing (a 5-byte
 * prefix: compressed flag, big-endian length), so the worker needs no grpc-js and starts in tens of
 * milliseconds.
 */
const WORKER_CODE = `
const { workerData } = require('node:worker_threads');
const state = new Int32Array(workerData.state);
const DELIVERED = 1, REFUSED = 2, FAILED = 3;
let done = false;
function finish(code) {
  if (done) return;
  done = true;
  Atomics.store(state, 0, code);
  Atomics.notify(state, 0);
}
const url = new URL(workerData.url);
const bodies = workerData.bodies.map((body) => Buffer.from(body));
let session;
function grpcSend(body, next) {
  if (session === undefined) {
    const origin = (url.protocol === 'https:' ? 'https://' : 'http://') + url.host;
    session = require('node:http2').connect(origin);
    session.on('error', () => finish(FAILED));
  }
  const headers = {
    ':method': 'POST',
    ':path': ${JSON.stringify(GRPC_EXPORT_PATH)},
    'content-type': 'application/grpc',
    te: 'trailers',
    'user-agent': workerData.userAgent,
    'grpc-timeout': workerData.timeoutMs + 'm',
  };
  if (workerData.gzip) headers['grpc-encoding'] = 'gzip';
  for (const [key, value] of Object.entries(workerData.headers)) headers[key.toLowerCase()] = value;
  const stream = session.request(headers);
  let status;
  stream.on('response', (h) => { if (h['grpc-status'] !== undefined) status = String(h['grpc-status']); });
  stream.on('trailers', (t) => { if (t['grpc-status'] !== undefined) status = String(t['grpc-status']); });
  stream.on('error', () => finish(FAILED));
  stream.on('close', () => next(status === '0' ? DELIVERED : status === undefined ? FAILED : REFUSED));
  stream.resume();
  const frame = Buffer.alloc(5 + body.length);
  frame[0] = workerData.gzip ? 1 : 0;
  frame.writeUInt32BE(body.length, 1);
  body.copy(frame, 5);
  stream.end(frame);
}
const client = url.protocol === 'https:' ? require('node:https') : require('node:http');
const agent = new client.Agent({ keepAlive: true });
function httpSend(body, next) {
  const headers = Object.assign({}, workerData.headers, {
    'content-type': 'application/x-protobuf',
    'content-length': String(body.length),
    'user-agent': workerData.userAgent,
  });
  if (workerData.gzip) headers['content-encoding'] = 'gzip';
  const request = client.request(url, { method: 'POST', headers, agent }, (response) => {
    response.resume();
    const status = response.statusCode || 0;
    response.on('end', () => next(status >= 200 && status < 300 ? DELIVERED : REFUSED));
    response.on('error', () => finish(FAILED));
  });
  request.on('error', () => finish(FAILED));
  request.end(body);
}
const send = workerData.protocol === 'grpc' ? grpcSend : httpSend;
function sendFrom(index) {
  if (index >= bodies.length) return finish(DELIVERED);
  try {
    send(bodies[index], (code) => {
      if (code !== DELIVERED) return finish(code);
      Atomics.add(state, 1, 1);
      sendFrom(index + 1);
    });
  } catch {
    finish(FAILED);
  }
}
sendFrom(0);
`;

/**
 * Sends OTLP requests from a process that is exiting, synchronously: a worker thread makes the calls
 * while this thread blocks in `Atomics.wait` (the way pino's thread-stream flushes at exit), for at most
 * `timeoutMs`. Nothing asynchronous runs on the main thread after 'exit', so this is the only way the
 * spans still queued when an application calls `process.exit()` can leave. Never throws.
 */
export function deliverAtExit(request: ExitDeliveryRequest): ExitDeliveryResult {
  const started = performance.now();
  // [0]: the outcome (0 while pending); [1]: requests acknowledged so far.
  const state = new Int32Array(new SharedArrayBuffer(8));
  const gzip = request.compression === 'gzip';
  let worker: Worker;
  try {
    worker = new Worker(WORKER_CODE, {
      eval: true,
      workerData: {
        state: state.buffer,
        protocol: request.protocol,
        url: request.url.href,
        headers: request.headers,
        userAgent: request.userAgent,
        gzip,
        bodies: request.bodies.map((body) => (gzip ? gzipSync(body) : body)),
        timeoutMs: Math.max(1, Math.round(request.timeoutMs)),
      },
      // The worker must not take the process's stdio.
      stdout: true,
      stderr: true,
    });
  } catch {
    return { outcome: 'failed', deliveredRequests: 0 };
  }
  worker.unref();
  const left = Math.max(0, request.timeoutMs - (performance.now() - started));
  Atomics.wait(state, 0, PENDING, left);
  const outcome = OUTCOMES[Atomics.load(state, 0)] ?? 'failed';
  if (outcome === 'timeout') void worker.terminate();
  return { outcome, deliveredRequests: Atomics.load(state, 1) };
}
