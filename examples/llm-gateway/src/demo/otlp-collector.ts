/**
 * A small in-process OTLP collector for the demo: OTLP/HTTP with protobuf bodies (`/v1/traces`,
 * `/v1/logs`) on 127.0.0.1, decoding just the fields the demo prints. When no OTLP endpoint is
 * configured, the demo points both services here, so their spans are real exports, not a mock.
 */
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import protobuf from 'protobufjs';

/** The subset of opentelemetry-proto (common, resource, trace, logs) the demo reads; field numbers as upstream. */
const OTLP_SUBSET = `
syntax = "proto3";
package otlp;
message AnyValue {
  oneof value {
    string string_value = 1; bool bool_value = 2; int64 int_value = 3; double double_value = 4;
    ArrayValue array_value = 5; KeyValueList kvlist_value = 6; bytes bytes_value = 7;
  }
}
message ArrayValue { repeated AnyValue values = 1; }
message KeyValueList { repeated KeyValue values = 1; }
message KeyValue { string key = 1; AnyValue value = 2; }
message Resource { repeated KeyValue attributes = 1; }
message Status { string message = 2; int32 code = 3; }
message Span {
  bytes trace_id = 1; bytes span_id = 2; bytes parent_span_id = 4; string name = 5; int32 kind = 6;
  fixed64 start_time_unix_nano = 7; fixed64 end_time_unix_nano = 8; repeated KeyValue attributes = 9;
  Status status = 15;
}
message ScopeSpans { repeated Span spans = 2; }
message ResourceSpans { Resource resource = 1; repeated ScopeSpans scope_spans = 2; }
message ExportTraceServiceRequest { repeated ResourceSpans resource_spans = 1; }
message LogRecord { string severity_text = 3; AnyValue body = 5; bytes trace_id = 9; bytes span_id = 10; }
message ScopeLogs { repeated LogRecord log_records = 2; }
message ResourceLogs { Resource resource = 1; repeated ScopeLogs scope_logs = 2; }
message ExportLogsServiceRequest { repeated ResourceLogs resource_logs = 1; }
`;

export interface CollectedSpan {
  readonly service: string;
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId: string;
  readonly name: string;
  readonly kind: number;
  readonly durationMs: number;
  readonly startNs: bigint;
  readonly attributes: Readonly<Record<string, unknown>>;
  readonly statusCode: number;
}

export interface CollectedLogRecord {
  readonly service: string;
  readonly traceId: string;
  readonly body: unknown;
}

export interface OtlpCollector {
  /** Base URL for OTEL_EXPORTER_OTLP_ENDPOINT (with OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf). */
  readonly endpoint: string;
  readonly spans: readonly CollectedSpan[];
  readonly logs: readonly CollectedLogRecord[];
  close(): Promise<void>;
}

const root = protobuf.parse(OTLP_SUBSET, { keepCase: true }).root;
const TraceRequest = root.lookupType('otlp.ExportTraceServiceRequest');
const LogsRequest = root.lookupType('otlp.ExportLogsServiceRequest');
const TO_OBJECT: protobuf.IConversionOptions = {
  longs: String,
  bytes: String,
  defaults: true,
  oneofs: false,
};

interface Kv {
  key: string;
  value?: Record<string, unknown>;
}

export async function startOtlpCollector(): Promise<OtlpCollector> {
  const spans: CollectedSpan[] = [];
  const logs: CollectedLogRecord[] = [];
  const server: Server = createServer((req, res) => {
    void readBody(req).then(
      (body) => {
        if (req.method !== 'POST') return reply(res, 405);
        if (req.url === '/v1/traces') spans.push(...decodeSpans(body));
        else if (req.url === '/v1/logs') logs.push(...decodeLogs(body));
        else return reply(res, 404);
        // An empty Export*ServiceResponse: full success.
        res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
      },
      () => reply(res, 400),
    );
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    spans,
    logs,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function reply(res: import('node:http').ServerResponse, status: number): void {
  res.writeHead(status).end();
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks);
  return req.headers['content-encoding'] === 'gzip' ? gunzipSync(body) : body;
}

function decodeSpans(body: Buffer): CollectedSpan[] {
  const request = TraceRequest.toObject(TraceRequest.decode(body), TO_OBJECT) as {
    resource_spans: {
      resource?: { attributes: Kv[] };
      scope_spans: { spans: Record<string, unknown>[] }[];
    }[];
  };
  const out: CollectedSpan[] = [];
  for (const rs of request.resource_spans) {
    const service = String(attributesOf(rs.resource?.attributes)['service.name'] ?? 'unknown');
    for (const ss of rs.scope_spans) {
      for (const span of ss.spans) {
        const start = BigInt(span.start_time_unix_nano as string);
        const end = BigInt(span.end_time_unix_nano as string);
        out.push({
          service,
          traceId: hex(span.trace_id),
          spanId: hex(span.span_id),
          parentSpanId: hex(span.parent_span_id),
          name: String(span.name),
          kind: Number(span.kind),
          startNs: start,
          durationMs: Number(end - start) / 1e6,
          attributes: attributesOf(span.attributes as Kv[]),
          statusCode: Number((span.status as { code?: number } | undefined)?.code ?? 0),
        });
      }
    }
  }
  return out;
}

function decodeLogs(body: Buffer): CollectedLogRecord[] {
  const request = LogsRequest.toObject(LogsRequest.decode(body), TO_OBJECT) as {
    resource_logs: {
      resource?: { attributes: Kv[] };
      scope_logs: { log_records: Record<string, unknown>[] }[];
    }[];
  };
  const out: CollectedLogRecord[] = [];
  for (const rl of request.resource_logs) {
    const service = String(attributesOf(rl.resource?.attributes)['service.name'] ?? 'unknown');
    for (const sl of rl.scope_logs) {
      for (const record of sl.log_records) {
        out.push({
          service,
          traceId: hex(record.trace_id),
          body: anyValue(record.body as Record<string, unknown>),
        });
      }
    }
  }
  return out;
}

function attributesOf(list: Kv[] | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const kv of list ?? []) out[kv.key] = anyValue(kv.value);
  return out;
}

function anyValue(value: Record<string, unknown> | undefined): unknown {
  if (value === undefined || value === null) return undefined;
  for (const key of ['string_value', 'bool_value', 'int_value', 'double_value']) {
    if (value[key] !== undefined && value[key] !== null) return value[key];
  }
  return undefined;
}

/** protobufjs renders bytes as base64 with `bytes: String`. */
function hex(value: unknown): string {
  return typeof value === 'string' ? Buffer.from(value, 'base64').toString('hex') : '';
}
