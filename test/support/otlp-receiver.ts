/**
 * A real OTLP receiver for tests: gRPC (@grpc/grpc-js) and HTTP/protobuf on 127.0.0.1, decoding every
 * request with the official opentelemetry-proto messages, with scripted faults per call.
 *
 * Proto sources (both npm packages, so nothing is vendored here):
 * - opentelemetry-proto `.proto` files as shipped in `@opentelemetry/otlp-grpc-exporter-base@0.38.0`
 *   (`build/protos`, the last release that shipped them). They predate `partial_success` and `Span.flags`,
 *   which these tests do not need.
 * - `google/rpc/status.proto` and `google/rpc/error_details.proto` (RetryInfo) from `google-proto-files`.
 *
 * Usage:
 *   const receiver = await startOtlpReceiver();
 *   receiver.script({ code: 'UNAVAILABLE', retryDelayMs: 50 });   // the next call fails, later ones succeed
 *   ... export to receiver.grpcEndpoint or receiver.httpEndpoint ...
 *   const spans = await receiver.waitForSpans(3);
 *   await receiver.close();
 */
import { once } from 'node:events';
import http from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import * as grpc from '@grpc/grpc-js';
import protobuf from 'protobufjs';

const require = createRequire(import.meta.url);
const OTEL_PROTO_ROOT = path.join(
  path.dirname(require.resolve('@opentelemetry/otlp-grpc-exporter-base/package.json')),
  'build/protos',
);
const GOOGLE_PROTO_ROOT = path.dirname(require.resolve('google-proto-files/package.json'));

// ---------------------------------------------------------------------------------------------------
// Types

export type OtlpSignal = 'traces' | 'logs';
export type OtlpTransport = 'grpc' | 'http';

/** gRPC status codes by name (the numbers are fixed by the gRPC spec). */
export const GrpcCode = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
  UNAUTHENTICATED: 16,
} as const;
export type GrpcCodeName = keyof typeof GrpcCode;

/**
 * What the receiver does with one call. Calls consume scripted faults in order; with none left the
 * call is accepted (OK).
 * - `code`: answer with this gRPC status; over HTTP it maps to the status the OTLP/HTTP spec pairs with
 *   it (UNAVAILABLE → 503, RESOURCE_EXHAUSTED → 429, INVALID_ARGUMENT → 400, …) unless `httpStatus` is
 *   given. `retryDelayMs` adds google.rpc.RetryInfo (gRPC) or `Retry-After` (HTTP, whole seconds).
 * - `delayMs`: wait this long before answering (with `code`, or OK).
 * - `hang`: never answer (until the receiver goes down or closes).
 */
export interface OtlpFault {
  readonly code?: GrpcCodeName;
  readonly message?: string;
  readonly retryDelayMs?: number;
  readonly httpStatus?: number;
  readonly delayMs?: number;
  readonly hang?: boolean;
}

export type OtlpValue =
  | string
  | number
  | boolean
  | null
  | OtlpValue[]
  | { [key: string]: OtlpValue }
  | Buffer;

/** One received call, accepted or not. */
export interface OtlpCall {
  readonly signal: OtlpSignal;
  readonly transport: OtlpTransport;
  /** What the receiver answered: `OK`, a gRPC code name, or `HANG`. */
  readonly outcome: GrpcCodeName | 'HANG';
  /** Items (spans or log records) in the request. */
  readonly itemCount: number;
  /** Request metadata (gRPC) or headers (HTTP), lower-cased names. */
  readonly headers: Readonly<Record<string, string>>;
  readonly receivedAt: number;
}

/** One span, flattened with its resource and scope; ids are lower-case hex ('' when absent). */
export interface ReceivedSpan {
  readonly resource: Readonly<Record<string, OtlpValue>>;
  readonly scope: { readonly name: string; readonly version: string };
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId: string;
  readonly traceState: string;
  readonly name: string;
  /** SpanKind number from the proto (1 internal, 2 server, 3 client, 4 producer, 5 consumer). */
  readonly kind: number;
  readonly startTimeUnixNano: bigint;
  readonly endTimeUnixNano: bigint;
  readonly attributes: Readonly<Record<string, OtlpValue>>;
  readonly events: ReadonlyArray<{ name: string; attributes: Readonly<Record<string, OtlpValue>> }>;
  readonly links: ReadonlyArray<{ traceId: string; spanId: string }>;
  /** Status code from the proto (0 unset, 1 ok, 2 error) and message. */
  readonly status: { readonly code: number; readonly message: string };
}

/** One log record, flattened with its resource and scope. */
export interface ReceivedLogRecord {
  readonly resource: Readonly<Record<string, OtlpValue>>;
  readonly scope: { readonly name: string; readonly version: string };
  readonly timeUnixNano: bigint;
  readonly observedTimeUnixNano: bigint;
  readonly severityNumber: number;
  readonly severityText: string;
  readonly body: OtlpValue;
  readonly attributes: Readonly<Record<string, OtlpValue>>;
  readonly traceId: string;
  readonly spanId: string;
}

export interface OtlpReceiver {
  /** `http://127.0.0.1:<port>` of the gRPC listener. */
  readonly grpcEndpoint: string;
  /** `http://127.0.0.1:<port>` of the HTTP listener; signals go to `/v1/traces` and `/v1/logs`. */
  readonly httpEndpoint: string;
  readonly grpcPort: number;
  readonly httpPort: number;
  /** Every call received, in order, accepted or not. */
  readonly calls: readonly OtlpCall[];
  /** Decoded ExportTraceServiceRequest messages that were accepted (as protobufjs plain objects). */
  readonly traceRequests: readonly Record<string, unknown>[];
  /** Decoded ExportLogsServiceRequest messages that were accepted. */
  readonly logRequests: readonly Record<string, unknown>[];
  /** Whether the listeners are bound. */
  readonly isUp: boolean;
  /** Spans of accepted trace requests, flattened. */
  spans(): ReceivedSpan[];
  /** Log records of accepted log requests, flattened. */
  logRecords(): ReceivedLogRecord[];
  /** Queues faults for the next calls (any signal, any transport), in order. */
  script(...faults: OtlpFault[]): void;
  /** Answers every call with this fault once the script is used up (`undefined`: accept). */
  setDefaultFault(fault: OtlpFault | undefined): void;
  /** Resolves with the accepted spans once at least `count` arrived; rejects after `timeoutMs`. */
  waitForSpans(count: number, timeoutMs?: number): Promise<ReceivedSpan[]>;
  waitForLogRecords(count: number, timeoutMs?: number): Promise<ReceivedLogRecord[]>;
  /** Resolves once at least `count` calls (of any outcome) arrived. */
  waitForCalls(count: number, timeoutMs?: number): Promise<OtlpCall[]>;
  /** Closes both listeners (hanging calls are cut off); the ports stay reserved for `goUp`. */
  goDown(): Promise<void>;
  /** Binds both listeners again on the same ports. */
  goUp(): Promise<void>;
  /** Forgets calls, requests and scripted faults. */
  clear(): void;
  close(): Promise<void>;
}

export interface OtlpReceiverOptions {
  /** Start with the listeners closed (ports are picked, then released). Default false. */
  readonly down?: boolean;
}

// ---------------------------------------------------------------------------------------------------
// Protobuf messages

interface Messages {
  traceRequest: protobuf.Type;
  traceResponse: protobuf.Type;
  logsRequest: protobuf.Type;
  logsResponse: protobuf.Type;
  status: protobuf.Type;
  retryInfo: protobuf.Type;
  /**
   * protobufjs replaces google/protobuf/any.proto with its built-in definition, whose field names stay
   * snake_case (`type_url`) whatever `keepCase` says; look the name up instead of guessing.
   */
  anyTypeUrlField: string;
}

let messages: Messages | undefined;

function loadMessages(): Messages {
  if (messages !== undefined) return messages;
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => {
    if (target.startsWith('opentelemetry/')) return path.join(OTEL_PROTO_ROOT, target);
    return path.join(GOOGLE_PROTO_ROOT, target);
  };
  root.loadSync(
    [
      'opentelemetry/proto/collector/trace/v1/trace_service.proto',
      'opentelemetry/proto/collector/logs/v1/logs_service.proto',
      'google/rpc/status.proto',
      'google/rpc/error_details.proto',
    ],
    { keepCase: false },
  );
  root.resolveAll();
  messages = {
    traceRequest: root.lookupType('opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest'),
    traceResponse: root.lookupType('opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse'),
    logsRequest: root.lookupType('opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest'),
    logsResponse: root.lookupType('opentelemetry.proto.collector.logs.v1.ExportLogsServiceResponse'),
    status: root.lookupType('google.rpc.Status'),
    retryInfo: root.lookupType('google.rpc.RetryInfo'),
    anyTypeUrlField:
      root.lookupType('google.protobuf.Any').fieldsArray.find((field) => field.id === 1)?.name ?? 'type_url',
  };
  return messages;
}

const TO_OBJECT: protobuf.IConversionOptions = {
  longs: String,
  enums: Number,
  bytes: Buffer,
  defaults: true,
  oneofs: true,
  arrays: true,
};

function decodeRequest(signal: OtlpSignal, body: Uint8Array): Record<string, unknown> {
  const m = loadMessages();
  const type = signal === 'traces' ? m.traceRequest : m.logsRequest;
  return type.toObject(type.decode(body), TO_OBJECT);
}

/**
 * Encodes an ExportTraceServiceRequest / ExportLogsServiceRequest from a plain object (protobufjs JSON
 * form: camelCase fields, ids as Buffers or base64), for tests that talk to the receiver by hand.
 */
export function encodeExportRequest(signal: OtlpSignal, request: Record<string, unknown>): Uint8Array {
  const m = loadMessages();
  const type = signal === 'traces' ? m.traceRequest : m.logsRequest;
  return type.encode(type.fromObject(request)).finish();
}

function encodeResponse(signal: OtlpSignal): Buffer {
  const m = loadMessages();
  const type = signal === 'traces' ? m.traceResponse : m.logsResponse;
  return Buffer.from(type.encode(type.create({})).finish());
}

/** google.rpc.Status with an optional RetryInfo detail, as carried in `grpc-status-details-bin`. */
function encodeStatus(code: number, message: string, retryDelayMs: number | undefined): Buffer {
  const m = loadMessages();
  const details: Record<string, unknown>[] = [];
  if (retryDelayMs !== undefined) {
    const seconds = Math.floor(retryDelayMs / 1000);
    const nanos = Math.round((retryDelayMs - seconds * 1000) * 1e6);
    const retryInfo = m.retryInfo.encode(m.retryInfo.create({ retryDelay: { seconds, nanos } })).finish();
    details.push({ [m.anyTypeUrlField]: 'type.googleapis.com/google.rpc.RetryInfo', value: retryInfo });
  }
  return Buffer.from(m.status.encode(m.status.create({ code, message, details })).finish());
}

// ---------------------------------------------------------------------------------------------------
// Flattening decoded messages

type Obj = Record<string, unknown>;
const asArray = (value: unknown): Obj[] => (Array.isArray(value) ? (value as Obj[]) : []);
const asObj = (value: unknown): Obj => (value !== null && typeof value === 'object' ? (value as Obj) : {});
const hex = (value: unknown): string => (Buffer.isBuffer(value) ? value.toString('hex') : '');

function anyValue(value: unknown): OtlpValue {
  const v = asObj(value);
  switch (v.value) {
    case 'stringValue':
      return v.stringValue as string;
    case 'boolValue':
      return v.boolValue as boolean;
    case 'intValue':
      return Number(v.intValue);
    case 'doubleValue':
      return v.doubleValue as number;
    case 'bytesValue':
      return v.bytesValue as Buffer;
    case 'arrayValue':
      return asArray(asObj(v.arrayValue).values).map(anyValue);
    case 'kvlistValue':
      return attributes(asObj(v.kvlistValue).values);
    default:
      return null;
  }
}

function attributes(list: unknown): Record<string, OtlpValue> {
  const out: Record<string, OtlpValue> = {};
  for (const kv of asArray(list)) out[kv.key as string] = anyValue(kv.value);
  return out;
}

function scopeOf(scopeBlock: Obj): { name: string; version: string } {
  const scope = asObj(scopeBlock.scope);
  return { name: (scope.name as string) ?? '', version: (scope.version as string) ?? '' };
}

function flattenSpans(requests: readonly Obj[]): ReceivedSpan[] {
  const out: ReceivedSpan[] = [];
  for (const request of requests) {
    for (const rs of asArray(request.resourceSpans)) {
      const resource = attributes(asObj(rs.resource).attributes);
      for (const ss of asArray(rs.scopeSpans)) {
        const scope = scopeOf(ss);
        for (const span of asArray(ss.spans)) {
          const status = asObj(span.status);
          out.push({
            resource,
            scope,
            traceId: hex(span.traceId),
            spanId: hex(span.spanId),
            parentSpanId: hex(span.parentSpanId),
            traceState: (span.traceState as string) ?? '',
            name: span.name as string,
            kind: span.kind as number,
            startTimeUnixNano: BigInt(span.startTimeUnixNano as string),
            endTimeUnixNano: BigInt(span.endTimeUnixNano as string),
            attributes: attributes(span.attributes),
            events: asArray(span.events).map((e) => ({
              name: e.name as string,
              attributes: attributes(e.attributes),
            })),
            links: asArray(span.links).map((l) => ({
              traceId: hex(l.traceId),
              spanId: hex(l.spanId),
            })),
            status: { code: (status.code as number) ?? 0, message: (status.message as string) ?? '' },
          });
        }
      }
    }
  }
  return out;
}

function flattenLogs(requests: readonly Obj[]): ReceivedLogRecord[] {
  const out: ReceivedLogRecord[] = [];
  for (const request of requests) {
    for (const rl of asArray(request.resourceLogs)) {
      const resource = attributes(asObj(rl.resource).attributes);
      for (const sl of asArray(rl.scopeLogs)) {
        const scope = scopeOf(sl);
        for (const record of asArray(sl.logRecords)) {
          out.push({
            resource,
            scope,
            timeUnixNano: BigInt(record.timeUnixNano as string),
            observedTimeUnixNano: BigInt(record.observedTimeUnixNano as string),
            severityNumber: record.severityNumber as number,
            severityText: (record.severityText as string) ?? '',
            body: record.body === null ? null : anyValue(record.body),
            attributes: attributes(record.attributes),
            traceId: hex(record.traceId),
            spanId: hex(record.spanId),
          });
        }
      }
    }
  }
  return out;
}

function countItems(signal: OtlpSignal, request: Obj): number {
  let n = 0;
  if (signal === 'traces') {
    for (const rs of asArray(request.resourceSpans))
      for (const ss of asArray(rs.scopeSpans)) n += asArray(ss.spans).length;
  } else {
    for (const rl of asArray(request.resourceLogs))
      for (const sl of asArray(rl.scopeLogs)) n += asArray(sl.logRecords).length;
  }
  return n;
}

// ---------------------------------------------------------------------------------------------------
// HTTP mapping of gRPC codes (OTLP/HTTP: 429, 502, 503, 504 are retryable; 400 is not)

const HTTP_STATUS: Partial<Record<GrpcCodeName, number>> = {
  OK: 200,
  INVALID_ARGUMENT: 400,
  UNAUTHENTICATED: 401,
  PERMISSION_DENIED: 403,
  NOT_FOUND: 404,
  RESOURCE_EXHAUSTED: 429,
  UNIMPLEMENTED: 501,
  UNAVAILABLE: 503,
  DEADLINE_EXCEEDED: 504,
};

// ---------------------------------------------------------------------------------------------------
// The receiver

class Receiver implements OtlpReceiver {
  grpcPort = 0;
  httpPort = 0;
  isUp = false;
  readonly calls: OtlpCall[] = [];
  readonly traceRequests: Obj[] = [];
  readonly logRequests: Obj[] = [];
  #faults: OtlpFault[] = [];
  #defaultFault: OtlpFault | undefined;
  #grpcServer: grpc.Server | undefined;
  #httpServer: http.Server | undefined;
  readonly #pendingTimers = new Set<NodeJS.Timeout>();
  readonly #waiters = new Set<() => void>();

  get grpcEndpoint(): string {
    return `http://127.0.0.1:${this.grpcPort}`;
  }

  get httpEndpoint(): string {
    return `http://127.0.0.1:${this.httpPort}`;
  }

  spans(): ReceivedSpan[] {
    return flattenSpans(this.traceRequests);
  }

  logRecords(): ReceivedLogRecord[] {
    return flattenLogs(this.logRequests);
  }

  script(...faults: OtlpFault[]): void {
    this.#faults.push(...faults);
  }

  setDefaultFault(fault: OtlpFault | undefined): void {
    this.#defaultFault = fault;
  }

  clear(): void {
    this.calls.length = 0;
    this.traceRequests.length = 0;
    this.logRequests.length = 0;
    this.#faults = [];
    this.#defaultFault = undefined;
  }

  waitForSpans(count: number, timeoutMs = 5000): Promise<ReceivedSpan[]> {
    return this.#waitFor(`${count} spans`, timeoutMs, () => {
      const spans = this.spans();
      return spans.length >= count ? spans : undefined;
    });
  }

  waitForLogRecords(count: number, timeoutMs = 5000): Promise<ReceivedLogRecord[]> {
    return this.#waitFor(`${count} log records`, timeoutMs, () => {
      const records = this.logRecords();
      return records.length >= count ? records : undefined;
    });
  }

  waitForCalls(count: number, timeoutMs = 5000): Promise<OtlpCall[]> {
    return this.#waitFor(`${count} calls`, timeoutMs, () =>
      this.calls.length >= count ? [...this.calls] : undefined,
    );
  }

  #waitFor<T>(what: string, timeoutMs: number, check: () => T | undefined): Promise<T> {
    const ready = check();
    if (ready !== undefined) return Promise.resolve(ready);
    return new Promise<T>((resolve, reject) => {
      const waiter = (): void => {
        const result = check();
        if (result === undefined) return;
        clearTimeout(timer);
        this.#waiters.delete(waiter);
        resolve(result);
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(waiter);
        reject(
          new Error(
            `OTLP receiver: timed out after ${timeoutMs} ms waiting for ${what} ` +
              `(calls: ${this.calls.map((c) => `${c.transport}/${c.signal}:${c.outcome}`).join(', ') || 'none'}, ` +
              `spans: ${this.spans().length}, log records: ${this.logRecords().length})`,
          ),
        );
      }, timeoutMs);
      this.#waiters.add(waiter);
    });
  }

  #notify(): void {
    for (const waiter of [...this.#waiters]) waiter();
  }

  #nextFault(): OtlpFault | undefined {
    return this.#faults.shift() ?? this.#defaultFault;
  }

  /** Records the call, and for an accepted one keeps the request; returns the scripted fault. */
  #receive(
    signal: OtlpSignal,
    transport: OtlpTransport,
    request: Obj,
    headers: Record<string, string>,
  ): OtlpFault | undefined {
    const fault = this.#nextFault();
    const outcome: OtlpCall['outcome'] = fault?.hang === true ? 'HANG' : (fault?.code ?? 'OK');
    this.calls.push({
      signal,
      transport,
      outcome,
      itemCount: countItems(signal, request),
      headers,
      receivedAt: Date.now(),
    });
    if (outcome === 'OK') (signal === 'traces' ? this.traceRequests : this.logRequests).push(request);
    this.#notify();
    return fault;
  }

  #later(delayMs: number | undefined, fn: () => void): void {
    if (delayMs === undefined || delayMs <= 0) {
      fn();
      return;
    }
    const timer = setTimeout(() => {
      this.#pendingTimers.delete(timer);
      fn();
    }, delayMs);
    this.#pendingTimers.add(timer);
  }

  #grpcHandler(signal: OtlpSignal): grpc.handleUnaryCall<Buffer, Buffer> {
    return (call, callback) => {
      let request: Obj;
      try {
        request = decodeRequest(signal, call.request);
      } catch (error) {
        callback({ code: grpc.status.INVALID_ARGUMENT, details: `undecodable request: ${String(error)}` });
        return;
      }
      const headers: Record<string, string> = {};
      for (const [key, value] of Object.entries(call.metadata.getMap())) headers[key] = String(value);
      const fault = this.#receive(signal, 'grpc', request, headers);
      if (fault?.hang === true) return;
      this.#later(fault?.delayMs, () => {
        const code = GrpcCode[fault?.code ?? 'OK'];
        if (code === GrpcCode.OK) {
          callback(null, encodeResponse(signal));
          return;
        }
        const message = fault?.message ?? `scripted ${fault?.code}`;
        const metadata = new grpc.Metadata();
        metadata.set('grpc-status-details-bin', encodeStatus(code, message, fault?.retryDelayMs));
        callback({ code, details: message, metadata });
      });
    };
  }

  #serviceDefinition(signal: OtlpSignal): grpc.ServiceDefinition {
    const service = signal === 'traces' ? 'trace.v1.TraceService' : 'logs.v1.LogsService';
    const identity = (value: Buffer): Buffer => value;
    return {
      Export: {
        path: `/opentelemetry.proto.collector.${service}/Export`,
        requestStream: false,
        responseStream: false,
        requestSerialize: identity,
        requestDeserialize: identity,
        responseSerialize: identity,
        responseDeserialize: identity,
      },
    };
  }

  #httpHandler = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    const signal: OtlpSignal | undefined =
      req.url === '/v1/traces' ? 'traces' : req.url === '/v1/logs' ? 'logs' : undefined;
    if (req.method !== 'POST' || signal === undefined) {
      res.writeHead(404).end();
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      let request: Obj;
      try {
        let body = Buffer.concat(chunks);
        if (req.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
        request = decodeRequest(signal, body);
      } catch (error) {
        res.writeHead(400, { 'content-type': 'text/plain' }).end(`undecodable request: ${String(error)}`);
        return;
      }
      const headers: Record<string, string> = {};
      for (const [key, value] of Object.entries(req.headers)) headers[key] = String(value);
      const fault = this.#receive(signal, 'http', request, headers);
      if (fault?.hang === true) return;
      this.#later(fault?.delayMs, () => {
        const codeName = fault?.code ?? 'OK';
        const status = fault?.httpStatus ?? HTTP_STATUS[codeName] ?? 500;
        if (status === 200) {
          res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end(encodeResponse(signal));
          return;
        }
        const responseHeaders: Record<string, string> = { 'content-type': 'application/x-protobuf' };
        if (fault?.retryDelayMs !== undefined)
          responseHeaders['retry-after'] = String(Math.ceil(fault.retryDelayMs / 1000));
        const message = fault?.message ?? `scripted ${codeName}`;
        res.writeHead(status, responseHeaders).end(encodeStatus(GrpcCode[codeName], message, undefined));
      });
    });
  };

  async goUp(): Promise<void> {
    if (this.isUp) return;
    const grpcServer = new grpc.Server();
    grpcServer.addService(this.#serviceDefinition('traces'), { Export: this.#grpcHandler('traces') });
    grpcServer.addService(this.#serviceDefinition('logs'), { Export: this.#grpcHandler('logs') });
    this.grpcPort = await new Promise<number>((resolve, reject) => {
      grpcServer.bindAsync(
        `127.0.0.1:${this.grpcPort}`,
        grpc.ServerCredentials.createInsecure(),
        (error, port) => (error ? reject(error) : resolve(port)),
      );
    });
    const httpServer = http.createServer(this.#httpHandler);
    httpServer.listen(this.httpPort, '127.0.0.1');
    await once(httpServer, 'listening');
    this.httpPort = (httpServer.address() as AddressInfo).port;
    this.#grpcServer = grpcServer;
    this.#httpServer = httpServer;
    this.isUp = true;
  }

  async goDown(): Promise<void> {
    for (const timer of this.#pendingTimers) clearTimeout(timer);
    this.#pendingTimers.clear();
    const grpcServer = this.#grpcServer;
    const httpServer = this.#httpServer;
    this.#grpcServer = undefined;
    this.#httpServer = undefined;
    this.isUp = false;
    // forceShutdown cancels in-flight (hanging) calls, so the client sees the connection drop.
    grpcServer?.forceShutdown();
    if (httpServer !== undefined) {
      const closed = new Promise<void>((resolve) => httpServer.close(() => resolve()));
      httpServer.closeAllConnections();
      await closed;
    }
  }

  async close(): Promise<void> {
    await this.goDown();
    for (const waiter of this.#waiters) this.#waiters.delete(waiter);
  }
}

/** Starts a receiver with a gRPC and an HTTP/protobuf listener on 127.0.0.1, each on a free port. */
export async function startOtlpReceiver(options: OtlpReceiverOptions = {}): Promise<OtlpReceiver> {
  loadMessages();
  const receiver = new Receiver();
  await receiver.goUp();
  if (options.down === true) await receiver.goDown();
  return receiver;
}
