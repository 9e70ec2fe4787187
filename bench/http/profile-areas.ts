/**
 * Splits a server's V8 CPU profile into what the request path spends its time on (share of busy time).
 *   pnpm exec node bench/http/profile-areas.ts bench/profiles/<dir>/<file>.cpuprofile
 */
import { readFileSync } from 'node:fs';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string };
  hitCount?: number;
  children?: number[];
}

/** Whole-subtree areas: a sample anywhere below one of these frames is that work's cost. */
const SUBTREE_AREAS: ReadonlyArray<readonly [string, (frame: string) => boolean]> = [
  ['idle', (f) => f.startsWith('(idle)')],
  ['garbage collector', (f) => f.startsWith('(garbage collector)')],
  [
    'OTLP log export (sdk-logs batch, serialise, gRPC)',
    (f) => /BatchLogRecordProcessorBase|logs-serializer|OTLPLogExporter/.test(f),
  ],
  ['OTLP span export (serialise, gRPC)', (f) => /otlp-span-exporter|exportBatch|trace-serializer/.test(f)],
  ['gRPC / HTTP/2 transport (both exports)', (f) => /@grpc\/grpc-js|node:internal\/http2/.test(f)],
  [
    'log record to OTLP (bridge, LogRecord)',
    (f) => /packages\/logging\/src\/otlp\/bridge\.ts|rawFields/.test(f),
  ],
  ['JSONL access line (format + write)', (f) => /packages\/logging\/src/.test(f)],
  ['span start (ids, attributes)', (f) => /startSpan/.test(f)],
  ['span end + attributes', (f) => /sdk-trace\/dist\/Span\.mjs/.test(f)],
  ['RED metrics', (f) => /packages\/metrics\/src|prom-client/.test(f)],
];
/**
 * Otherwise the nearest owner from the leaf up (node core frames are charged to whoever called them):
 * the middleware's `run` wraps the framework's whole pipeline, so a subtree rule would charge it all.
 */
const OWNERS: ReadonlyArray<readonly [string, (frame: string) => boolean]> = [
  [
    'HTTP response socket write (syscall)',
    (f) => /^(writeUtf8String|writeLatin1String|writeBuffer|writev) /.test(f),
  ],
  [
    'context (span + request context frames)',
    (f) => /context\.mjs|async_context_frame|async_local_storage|async_hooks|request-context/.test(f),
  ],
  ['dynotel middleware (ids, headers, hooks)', (f) => /packages\/(dynotel|tracing|core|health)\/src/.test(f)],
  [
    'peer instrumentation (OTel http, @fastify/otel)',
    (f) => /instrumentation-http|@fastify\/otel|sdk-trace|@opentelemetry/.test(f),
  ],
  [
    'fastify / express',
    (f) => /\/(fastify|express|find-my-way|router|avvio|body-parser|send|finalhandler)\//.test(f),
  ],
];

function areaOf(stack: readonly string[]): string {
  for (const [area, test] of SUBTREE_AREAS) if (stack.some(test)) return area;
  for (const frame of stack) {
    for (const [area, test] of OWNERS) if (test(frame)) return area;
  }
  return 'node http + event loop';
}

const profile = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as { nodes: Node[] };
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const totals = new Map<string, number>();
let all = 0;
for (const node of profile.nodes) {
  const hits = node.hitCount ?? 0;
  if (hits === 0) continue;
  all += hits;
  const stack: string[] = [];
  for (let id: number | undefined = node.id; id !== undefined; id = parent.get(id)) {
    const f = byId.get(id)!.callFrame;
    stack.push(`${f.functionName} ${f.url}`);
  }
  const area = areaOf(stack);
  totals.set(area, (totals.get(area) ?? 0) + hits);
}
const busy = all - (totals.get('idle') ?? 0);
for (const [area, hits] of [...totals].sort((a, b) => b[1] - a[1])) {
  if (area === 'idle') continue;
  console.log(`${((100 * hits) / busy).toFixed(1).padStart(5)}%  ${area}`);
}
