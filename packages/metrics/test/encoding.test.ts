import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createMetricsRoot,
  escapeHelp,
  escapeLabelValue,
  formatValue,
  negotiateFormat,
  OPENMETRICS_CONTENT_TYPE,
  PROMETHEUS_TEXT_CONTENT_TYPE,
} from '../src/index.ts';
import { expectLine, parseBody, sampleLines } from './support.ts';

const PROMETHEUS_ACCEPT =
  'application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.5,application/openmetrics-text;version=0.0.1;q=0.4,text/plain;version=1.0.0;escaping=allow-utf-8;q=0.3,text/plain;version=0.0.4;q=0.2,*/*;q=0.1';

describe('content negotiation', () => {
  it('answers text 0.0.4 by default and OpenMetrics 1.0 when asked', async () => {
    const root = createMetricsRoot();
    expect(PROMETHEUS_TEXT_CONTENT_TYPE).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(OPENMETRICS_CONTENT_TYPE).toBe('application/openmetrics-text; version=1.0.0; charset=utf-8');
    expect((await root.scrape()).contentType).toBe(PROMETHEUS_TEXT_CONTENT_TYPE);
    const om = await root.scrape(PROMETHEUS_ACCEPT);
    expect(om.contentType).toBe(OPENMETRICS_CONTENT_TYPE);
    expect(om.body.endsWith('# EOF\n')).toBe(true);
  });

  it.each([
    [undefined, 'text'],
    ['', 'text'],
    ['*/*', 'text'],
    ['garbage;;;', 'text'],
    ['application/json', 'text'],
    ['application/openmetrics-text', 'openmetrics'],
    ['application/openmetrics-text; version=1.0.0', 'openmetrics'],
    ['application/openmetrics-text; version=0.0.1', 'text'],
    ['application/openmetrics-text;q=0', 'text'],
    ['text/plain;q=0.9, application/openmetrics-text;q=0.5', 'text'],
    ['text/plain;q=0.5, application/openmetrics-text;q=0.5', 'openmetrics'],
    [PROMETHEUS_ACCEPT, 'openmetrics'],
  ] as const)('Accept %j gives %s', (accept, format) => {
    expect(negotiateFormat(accept)).toBe(format);
  });
});

describe('values and escaping', () => {
  it('writes NaN, +Inf, -Inf and integers exactly', async () => {
    expect([Number.NaN, Infinity, -Infinity, 42, 50000, 0.5, -0].map(formatValue)).toEqual([
      'NaN',
      '+Inf',
      '-Inf',
      '42',
      '50000',
      '0.5',
      '0',
    ]);
    const root = createMetricsRoot();
    const g = root.gauge({ name: 'g', help: 'h', labelNames: ['k'] });
    g.labels('nan').set(Number.NaN);
    g.labels('pinf').set(Infinity);
    g.labels('ninf').set(-Infinity);
    const { body } = await root.scrape();
    expectLine(body, 'dynamo_component_g{k="nan"} NaN');
    expectLine(body, 'dynamo_component_g{k="pinf"} +Inf');
    expectLine(body, 'dynamo_component_g{k="ninf"} -Inf');
    parseBody(body);
  });

  it('escapes label values and HELP exactly as each format requires', async () => {
    expect(escapeLabelValue('a\\b"c\nd\te\r')).toBe('a\\\\b\\"c\\nd\te\r');
    expect(escapeHelp('a\\b"c\nd', false)).toBe('a\\\\b"c\\nd');
    expect(escapeHelp('a\\b"c\nd', true)).toBe('a\\\\b\\"c\\nd');
    const root = createMetricsRoot();
    root
      .counter({ name: 'e_total', help: 'say "hi"\\\nbye', labelNames: ['v'] })
      .labels('} # "x"\n\\')
      .inc();
    const text = (await root.scrape()).body;
    expectLine(text, '# HELP dynamo_component_e_total say "hi"\\\\\\nbye');
    expectLine(text, 'dynamo_component_e_total{v="} # \\"x\\"\\n\\\\"} 1');
    const om = (await root.scrape('application/openmetrics-text')).body;
    expectLine(om, '# HELP dynamo_component_e say \\"hi\\"\\\\\\nbye');
    parseBody(text);
    parseBody(om, 'openmetrics');
  });

  it('round-trips any label value through the strict parser, in both formats (fuzz)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.string({ unit: 'binary', maxLength: 80 }),
        fc.constantFrom<'text' | 'openmetrics'>('text', 'openmetrics'),
        async (value, format) => {
          const root = createMetricsRoot();
          root
            .gauge({ name: 'fuzz', help: 'h', labelNames: ['v'] })
            .labels(value)
            .set(1);
          const { body } = await root.scrape(
            format === 'openmetrics' ? 'application/openmetrics-text' : undefined,
          );
          const family = parseBody(body, format).find((f) => f.name === 'dynamo_component_fuzz');
          expect(family?.samples[0]?.labels.find((l) => l.name === 'v')?.value).toBe(value);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('round-trips HELP text through the strict parser (fuzz)', async () => {
    // A HELP that starts with a blank or tab loses it in every parser (the separator is skipped), and the
    // foreign parser currently drops a HELP containing CR, so those are left out of this property.
    const help = fc
      .string({ unit: 'binary', minLength: 1, maxLength: 60 })
      .filter((h) => !/^[ \t]/.test(h) && !h.includes('\r'));
    await fc.assert(
      fc.asyncProperty(
        help,
        fc.constantFrom<'text' | 'openmetrics'>('text', 'openmetrics'),
        async (text, format) => {
          const root = createMetricsRoot();
          root.gauge({ name: 'fuzz', help: text }).set(1);
          const { body } = await root.scrape(
            format === 'openmetrics' ? 'application/openmetrics-text' : undefined,
          );
          expect(parseBody(body, format).find((f) => f.name === 'dynamo_component_fuzz')?.help).toBe(text);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('replaces lone surrogates so the body stays valid UTF-8', async () => {
    const root = createMetricsRoot();
    root
      .gauge({ name: 'g', help: 'h', labelNames: ['v'] })
      .labels('a\uD800b')
      .set(1);
    const { body } = await root.scrape();
    expectLine(body, 'dynamo_component_g{v="a\uFFFDb"} 1');
    parseBody(body);
  });
});

describe('histograms', () => {
  it('keeps the invariants: cumulative buckets, +Inf == _count, le last and canonical', async () => {
    const root = createMetricsRoot();
    const h = root
      .namespace('n')
      .histogram({ name: 'lat_seconds', help: 'h', labelNames: ['m'], buckets: [0.1, 1, 10] });
    for (const v of [0.05, 0.1, 0.5, 1, 5, 50, -1, Infinity]) h.labels('x').observe(v);
    h.labels('x').observe(Number.NaN); // dropped
    const text = (await root.scrape()).body;
    expect(sampleLines(text).filter((l) => l.startsWith('dynamo_component_lat_seconds'))).toEqual([
      'dynamo_component_lat_seconds_bucket{dynamo_namespace="n",m="x",le="0.1"} 3',
      'dynamo_component_lat_seconds_bucket{dynamo_namespace="n",m="x",le="1"} 5',
      'dynamo_component_lat_seconds_bucket{dynamo_namespace="n",m="x",le="10"} 6',
      'dynamo_component_lat_seconds_bucket{dynamo_namespace="n",m="x",le="+Inf"} 8',
      'dynamo_component_lat_seconds_sum{dynamo_namespace="n",m="x"} +Inf',
      'dynamo_component_lat_seconds_count{dynamo_namespace="n",m="x"} 8',
    ]);
    const om = (await root.scrape('application/openmetrics-text')).body;
    expectLine(om, 'dynamo_component_lat_seconds_bucket{dynamo_namespace="n",m="x",le="1.0"} 5');
    expectLine(om, 'dynamo_component_lat_seconds_bucket{dynamo_namespace="n",m="x",le="10.0"} 6');
    parseBody(text);
  });

  it('holds the invariants in every scrape under concurrent observations (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.double({ noNaN: true, min: -5, max: 20 }), { maxLength: 200 }),
        async (values) => {
          const root = createMetricsRoot();
          const h = root.histogram({ name: 'p', help: 'h' });
          for (const v of values) h.observe(v);
          const pending = root.scrape('application/openmetrics-text');
          for (const v of values) h.observe(v); // after the scrape started
          const families = parseBody((await pending).body, 'openmetrics');
          const samples = families.find((f) => f.name === 'dynamo_component_p')?.samples ?? [];
          const buckets = samples.filter((s) => s.name.endsWith('_bucket')).map((s) => s.value);
          const count = samples.find((s) => s.name.endsWith('_count'))?.value;
          const sum = samples.find((s) => s.name.endsWith('_sum'))?.value;
          if (count === undefined) {
            // OpenMetrics: a negative sum is not written, and `_count` goes only with `_sum`.
            expect(sum).toBeUndefined();
            expect(values.reduce((a, b) => a + b, 0)).toBeLessThan(0);
          } else {
            expect(buckets.at(-1)).toBe(count);
          }
          expect(buckets).toEqual([...buckets].sort((a, b) => a - b));
        },
      ),
      { numRuns: 50 },
    );
  });
});

describe('OpenMetrics', () => {
  const manager = new AsyncLocalStorageContextManager();
  beforeAll(() => {
    context.setGlobalContextManager(manager.enable());
  });
  afterAll(() => {
    context.disable();
  });

  const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
  const spanId = '00f067aa0ba902b7';
  const inSpan = (fn: () => void, sampled = true) =>
    context.with(
      trace.setSpanContext(context.active(), { traceId, spanId, traceFlags: sampled ? 1 : 0 }),
      fn,
    );

  it('names counter families without _total, samples with it, and ends with # EOF', async () => {
    const root = createMetricsRoot();
    root.counter({ name: 'requests_total', help: 'h' }).inc(2);
    root.counter({ name: 'odd', help: 'h' }).inc(3);
    const { body } = await root.scrape('application/openmetrics-text');
    expectLine(body, '# TYPE dynamo_component_requests counter');
    expectLine(body, 'dynamo_component_requests_total 2');
    expectLine(body, '# TYPE dynamo_component_odd counter');
    expectLine(body, 'dynamo_component_odd_total 3');
    // Alternating formats re-derive the cached sample prefix each time.
    expectLine((await root.scrape()).body, 'dynamo_component_odd 3');
    expectLine((await root.scrape('application/openmetrics-text')).body, 'dynamo_component_odd_total 3');
    expect(body.endsWith('\n# EOF\n')).toBe(true);
    expect(body).not.toMatch(/\n\n/);
    parseBody(body, 'openmetrics');
  });

  it('carries the trace_id and span_id of the sampled active span as exemplars', async () => {
    const root = createMetricsRoot();
    const c = root.counter({ name: 'ex_total', help: 'h' });
    const h = root.histogram({ name: 'ex_seconds', help: 'h', buckets: [1, 2] });
    inSpan(() => {
      c.inc(2);
      h.observe(1.5);
    });
    inSpan(() => c.inc(7), false); // unsampled: counted, no exemplar change
    const { body } = await root.scrape('application/openmetrics-text');
    expectLine(body, `dynamo_component_ex_total 9 # {trace_id="${traceId}",span_id="${spanId}"} 2`);
    expectLine(
      body,
      `dynamo_component_ex_seconds_bucket{le="2.0"} 1 # {trace_id="${traceId}",span_id="${spanId}"} 1.5`,
    );
    expectLine(body, 'dynamo_component_ex_seconds_bucket{le="1.0"} 0');
    const families = parseBody(body, 'openmetrics');
    const counter = families.find((f) => f.name === 'dynamo_component_ex');
    expect(counter?.samples[0]?.exemplar?.labels).toEqual([
      { name: 'trace_id', value: traceId },
      { name: 'span_id', value: spanId },
    ]);
    // Text 0.0.4 has no exemplars.
    expect((await root.scrape()).body).not.toContain('trace_id');
  });

  it('records no exemplars when turned off', async () => {
    const root = createMetricsRoot({ exemplars: false });
    const c = root.counter({ name: 'ex_total', help: 'h' });
    inSpan(() => c.inc());
    expect((await root.scrape('application/openmetrics-text')).body).not.toContain('trace_id');
  });
});
