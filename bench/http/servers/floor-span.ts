/**
 * Floor level 5's span, by hand and without OpenTelemetry: the least an implementation of "one server
 * span per request, exported over OTLP gRPC" can do. When a request closes its span (ids, start and
 * end time, the nine attributes of dynotel's `http-request` span and the status code) is encoded as an
 * OTLP `Span` in one fixed layout straight into a growing buffer; the buffer is sent as one
 * `ExportTraceServiceRequest` over gRPC every 512 spans, one call at a time, the envelope (resource and
 * scope) written around it at send time. Nothing is validated, nothing is retried, nothing is
 * counted; a span that finds 2048 already waiting is dropped. test/bench/floor-span.test.ts decodes
 * what it sends with the official protos (the bench sink does not decode).
 */
import { credentials, makeGenericClientConstructor } from '@grpc/grpc-js';

const BATCH = 512;
const MAX_QUEUED = 2048;
const EXPORT_PATH = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';
const TWO_POW_32 = 4294967296;
/** ScopeSpans.scope: InstrumentationScope { name: "floor" }. */
const SCOPE = Buffer.from([0x0a, 0x07, 0x0a, 0x05, ...Buffer.from('floor')]);
/** ResourceSpans.resource: an empty Resource. */
const RESOURCE = Buffer.from([0x0a, 0x00]);

export interface FloorSpan {
  /** 32 hex digits. */
  readonly traceId: string;
  /** 16 hex digits. */
  readonly spanId: string;
  readonly startMs: number;
  readonly endMs: number;
  readonly method: string;
  readonly url: string;
  readonly path: string;
  readonly requestId: string;
  readonly route: string;
  readonly status: number;
}

let buffer = Buffer.allocUnsafeSlow(256 * 1024);
let pos = 0;
let queued = 0;
let inFlight = false;

const Client = makeGenericClientConstructor({}, 'TraceService');
const client = new Client(
  (process.env.BENCH_OTLP_ENDPOINT ?? 'http://127.0.0.1:4317').replace(/^https?:\/\//, ''),
  credentials.createInsecure(),
);
const identity = (bytes: Buffer): Buffer => bytes;

function ensure(bytes: number): void {
  if (pos + bytes <= buffer.length) return;
  const grown = Buffer.allocUnsafeSlow(Math.max(buffer.length * 2, pos + bytes));
  buffer.copy(grown, 0, 0, pos);
  buffer = grown;
}

/** An ASCII string with a one-byte length (every string here is shorter than 128 characters). */
function str(value: string): void {
  buffer[pos++] = value.length;
  for (let i = 0; i < value.length; i++) buffer[pos++] = value.charCodeAt(i);
}

function attribute(key: string, value: string | number): void {
  buffer[pos++] = 0x4a; // Span.attributes (9), length-delimited
  const at = pos++;
  buffer[pos++] = 0x0a; // KeyValue.key
  str(key);
  buffer[pos++] = 0x12; // KeyValue.value
  const valueAt = pos++;
  if (typeof value === 'string') {
    buffer[pos++] = 0x0a; // AnyValue.string_value
    str(value);
  } else {
    buffer[pos++] = 0x18; // AnyValue.int_value, a small non-negative varint here
    while (value > 127) {
      buffer[pos++] = (value & 127) | 128;
      value >>>= 7;
    }
    buffer[pos++] = value;
  }
  buffer[valueAt] = pos - valueAt - 1;
  buffer[at] = pos - at - 1;
}

function nanos(tag: number, ms: number): void {
  const ns = ms * 1e6;
  const high = Math.floor(ns / TWO_POW_32);
  buffer[pos++] = tag;
  buffer.writeUInt32LE(ns - high * TWO_POW_32, pos);
  buffer.writeUInt32LE(high, pos + 4);
  pos += 8;
}

export function recordSpan(span: FloorSpan): void {
  if (queued >= MAX_QUEUED) return;
  ensure(1024);
  buffer[pos++] = 0x12; // ScopeSpans.spans (2)
  // The span's length takes two bytes (128 to 16383): written as a varint at the end.
  const at = pos;
  pos += 2;
  buffer[pos++] = 0x0a; // trace_id
  buffer[pos++] = 16;
  pos += buffer.write(span.traceId, pos, 'hex');
  buffer[pos++] = 0x12; // span_id
  buffer[pos++] = 8;
  pos += buffer.write(span.spanId, pos, 'hex');
  buffer[pos++] = 0x2a; // name
  str('http-request');
  buffer[pos++] = 0x30; // kind: SPAN_KIND_SERVER
  buffer[pos++] = 2;
  nanos(0x39, span.startMs);
  nanos(0x41, span.endMs);
  attribute('method', span.method);
  attribute('uri', span.url);
  attribute('version', 'HTTP/1.1');
  attribute('http.request.method', span.method);
  attribute('url.path', span.path);
  attribute('x_request_id', span.requestId);
  attribute('request_id', span.requestId);
  attribute('http.response.status_code', span.status);
  attribute('http.route', span.route);
  buffer[pos++] = 0x7a; // status: an empty Status (UNSET)
  buffer[pos++] = 0;
  const length = pos - at - 2;
  buffer[at] = (length & 127) | 128;
  buffer[at + 1] = length >>> 7;
  queued++;
  if (queued >= BATCH && !inFlight) send();
}

/** The spans so far as one request, the resource and scope around them; the buffer starts over. */
function takeRequest(): Buffer {
  const scopeSpans = Buffer.concat([SCOPE, buffer.subarray(0, pos)]);
  const resourceSpans = Buffer.concat([RESOURCE, Buffer.from([0x12]), varint(scopeSpans.length), scopeSpans]);
  const request = Buffer.concat([Buffer.from([0x0a]), varint(resourceSpans.length), resourceSpans]);
  pos = 0;
  queued = 0;
  return request;
}

function varint(value: number): Buffer {
  const bytes: number[] = [];
  while (value > 127) {
    bytes.push((value & 127) | 128);
    value >>>= 7;
  }
  bytes.push(value);
  return Buffer.from(bytes);
}

function send(): void {
  inFlight = true;
  client.makeUnaryRequest(EXPORT_PATH, identity, identity, takeRequest(), () => {
    inFlight = false;
    if (queued >= BATCH) send();
  });
}
