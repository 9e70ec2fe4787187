import { createMetricsRoot, type MetricsLevel, parseExposition } from '@dynotel/metrics';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireBinaryInCi } from '../support/binaries.ts';
import { promtoolCheckMetrics } from '../support/promtool.ts';
import { PythonParsers, pythonParserAvailable } from './support/reference-parsers.ts';

/**
 * The merged scrape against the reference parsers, over generated sets of sources built to clash: own
 * metrics on three levels of the tree, exposition-callback text (0.0.4 and OpenMetrics, some cut mid-line)
 * and the dynotel self-metrics, all drawing names from one small pool of bases and the suffixes families
 * own (`_total`, `_count`, `_sum`, `_bucket`, `_created`, `_info`), with negative, tiny and huge bucket
 * bounds. Whatever the sources, both bodies must parse under `promtool check metrics` (0.0.4), Python's
 * prometheus_client parsers (0.0.4 and OpenMetrics) and our strict parser; no two families may own a
 * common sample name; and an own family is only ever displaced by an earlier own family.
 */

const promtool = requireBinaryInCi('promtool');
const python = pythonParserAvailable();

const BASES = ['foo', 'bar', 'dynotel_metrics_duplicate_series_dropped'] as const;
const SUFFIXES = ['', '_total', '_count', '_sum', '_bucket', '_created', '_info'] as const;
const BUCKET_SETS = [[1], [-1, 0, 2.5], [1e-9, 1e-5, 1e6], [0.005, 1, 123456]] as const;
const HELPS = ['h', 'other help'] as const;

const name = fc.tuple(fc.constantFrom(...BASES), fc.constantFrom(...SUFFIXES)).map(([b, s]) => `${b}${s}`);

interface OwnSpec {
  level: 0 | 1 | 2;
  name: string;
  type: 'counter' | 'gauge' | 'histogram';
  help: string;
  labelled: boolean;
  autoLabels: boolean;
  buckets: readonly number[];
  values: number[];
}

const ownSpec: fc.Arbitrary<OwnSpec> = fc.record({
  level: fc.constantFrom(0 as const, 1 as const, 2 as const),
  name,
  type: fc.constantFrom('counter' as const, 'gauge' as const, 'histogram' as const),
  help: fc.constantFrom(...HELPS),
  labelled: fc.boolean(),
  autoLabels: fc.boolean(),
  buckets: fc.constantFrom(...BUCKET_SETS),
  values: fc.array(fc.constantFrom(-2, 0, 1e-7, 0.5, 3, 2e6), { minLength: 1, maxLength: 3 }),
});

interface ForeignFamilySpec {
  name: string;
  type: 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';
  help: string | undefined;
  series: string[];
  buckets: readonly number[];
  /** Values 0.0.4 allows and OpenMetrics does not: negative sums and quantile values, a NaN counter. */
  negative: boolean;
  negativeQuantile: boolean;
}

const foreignFamily: fc.Arbitrary<ForeignFamilySpec> = fc.record({
  name,
  type: fc.constantFrom(
    'counter' as const,
    'gauge' as const,
    'histogram' as const,
    'summary' as const,
    'untyped' as const,
  ),
  help: fc.constantFrom(undefined, ...HELPS),
  series: fc.uniqueArray(fc.constantFrom('a', 'b', 'c'), { minLength: 1, maxLength: 2 }),
  buckets: fc.constantFrom(...BUCKET_SETS),
  negative: fc.boolean(),
  negativeQuantile: fc.boolean(),
});

interface ForeignSpec {
  level: 0 | 1 | 2;
  openMetrics: boolean;
  cut: boolean;
  families: ForeignFamilySpec[];
}

const foreignSpec: fc.Arbitrary<ForeignSpec> = fc.record({
  level: fc.constantFrom(0 as const, 1 as const, 2 as const),
  openMetrics: fc.boolean(),
  cut: fc.boolean(),
  families: fc.array(foreignFamily, { minLength: 1, maxLength: 3 }),
});

const scenario = fc.record({
  own: fc.array(ownSpec, { maxLength: 6 }),
  foreign: fc.array(foreignSpec, { maxLength: 3 }),
});

/** Foreign text as an engine would write it (not necessarily valid: an invalid text must be dropped whole). */
function foreignText(spec: ForeignSpec): string {
  let text = '';
  for (const family of spec.families) {
    const om = spec.openMetrics;
    const counterBase = family.name.endsWith('_total') ? family.name.slice(0, -6) : family.name;
    const metaName = om && family.type === 'counter' ? counterBase : family.name;
    const type = om && family.type === 'untyped' ? 'unknown' : family.type;
    if (family.help !== undefined) text += `# HELP ${metaName} ${family.help}\n`;
    text += `# TYPE ${metaName} ${type}\n`;
    for (const series of family.series) {
      const labels = `series="${series}"`;
      switch (family.type) {
        case 'histogram': {
          family.buckets.forEach((bound, index) => {
            text += `${family.name}_bucket{${labels},le="${bound}"} ${index}\n`;
          });
          text += `${family.name}_bucket{${labels},le="+Inf"} ${family.buckets.length}\n`;
          if (!(om && (family.buckets[0] as number) < 0)) {
            const sum = family.negative ? -1.5 : 1.5;
            text += `${family.name}_sum{${labels}} ${sum}\n${family.name}_count{${labels}} ${family.buckets.length}\n`;
          }
          break;
        }
        case 'summary':
          text += `${family.name}{${labels},quantile="0.5"} ${family.negativeQuantile ? -1 : 1}\n${family.name}{${labels},quantile="0.99"} 2\n`;
          text += `${family.name}_sum{${labels}} ${family.negative ? -3 : 3}\n${family.name}_count{${labels}} 2\n`;
          break;
        case 'counter':
          text += `${om ? `${counterBase}_total` : family.name}{${labels}} ${family.negative ? 'NaN' : 4}\n`;
          break;
        default:
          text += `${family.name}{${labels}} 5\n`;
      }
    }
  }
  if (spec.openMetrics) text += '# EOF\n';
  return spec.cut ? text.slice(0, -1) : text;
}

/** Every sample name a family writes in either format (the merge's reservation rule, restated). */
function owned(familyName: string, type: string): string[] {
  if (type === 'counter') {
    const base = familyName.endsWith('_total') ? familyName.slice(0, -6) : familyName;
    return [base, `${base}_total`, `${base}_created`];
  }
  if (type === 'histogram')
    return ['', '_bucket', '_sum', '_count', '_created'].map((s) => `${familyName}${s}`);
  if (type === 'summary') return ['', '_sum', '_count', '_created'].map((s) => `${familyName}${s}`);
  if (type === 'info') return [`${familyName}_info`];
  return [familyName];
}

interface Built {
  root: ReturnType<typeof createMetricsRoot>;
  /** Own families in gather order that must survive: no earlier own family clashes with them. */
  survivors: Array<{ name: string; type: string }>;
}

function build(spec: { own: OwnSpec[]; foreign: ForeignSpec[] }): Built {
  const root = createMetricsRoot({ exemplars: false });
  const ns = root.namespace('ns');
  const component = ns.component('comp');
  const levels: MetricsLevel[] = [root, ns, component];
  const registered: Array<OwnSpec & { order: number }> = [];
  spec.own.forEach((own, order) => {
    const options = {
      name: own.name,
      help: own.help,
      prefix: false,
      autoLabels: own.autoLabels,
      labelNames: own.labelled ? ['series'] : [],
    };
    const level = levels[own.level] as MetricsLevel;
    try {
      if (own.type === 'counter') {
        const metric = level.counter(options);
        for (const v of own.values) (own.labelled ? metric.labels(`s${v}`) : metric).inc(Math.abs(v));
      } else if (own.type === 'gauge') {
        const metric = level.gauge(options);
        for (const v of own.values) (own.labelled ? metric.labels(`s${v}`) : metric).set(v);
      } else {
        const metric = level.histogram({ ...options, buckets: own.buckets });
        for (const v of own.values) (own.labelled ? metric.labels(`s${v}`) : metric).observe(v);
      }
      registered.push({ ...own, order });
    } catch {
      // A conflicting definition at the same level is refused at registration: not part of the scrape.
    }
  });
  for (const foreign of spec.foreign) {
    const text = foreignText(foreign);
    (levels[foreign.level] as MetricsLevel).addExpositionCallback(() => text);
  }
  // Gather order: levels pre-order (root, ns, component), metrics in registration order.
  registered.sort((a, b) => a.level - b.level || a.order - b.order);
  const first = new Map<string, { type: string; help: string }>();
  const owners = new Set<string>();
  const survivors: Array<{ name: string; type: string }> = [];
  const seen = new Set<string>();
  for (const own of registered) {
    const key = `${own.level}\u0000${own.name}`;
    if (seen.has(key)) continue; // the same metric registered twice at one level is one metric
    seen.add(key);
    const earlier = first.get(own.name);
    if (earlier !== undefined) continue; // merged into it, or dropped for other metadata
    const names = owned(own.name, own.type);
    if (names.some((n) => owners.has(n))) continue;
    for (const n of names) owners.add(n);
    first.set(own.name, own);
    survivors.push({ name: own.name, type: own.type });
  }
  return { root, survivors };
}

describe.skipIf(promtool === undefined || !python)('merged scrapes under the reference parsers', () => {
  let parsers: PythonParsers;
  beforeAll(() => {
    parsers = new PythonParsers();
  });
  afterAll(() => parsers.close());

  it('every combination of clashing own, callback, OpenMetrics and self families gives bodies all parsers accept', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async (spec) => {
        const { root, survivors } = build(spec);
        for (const format of ['text', 'openmetrics'] as const) {
          const { body } = await root.scrape(
            format === 'openmetrics' ? 'application/openmetrics-text' : undefined,
          );
          const strict = parseExposition(body, { format });
          if (!strict.ok)
            throw new Error(`strict ${format}: line ${strict.error.line}: ${strict.error.message}\n${body}`);
          const verdict = await parsers.parse(format, body);
          if (!verdict.ok) throw new Error(`prometheus_client ${format}: ${verdict.error}\n${body}`);
          if (format === 'text') {
            const checked = await promtoolCheckMetrics(promtool as string, body);
            // Exit 3 is lint advice about the generated names; 1 and "error while linting" are parse errors.
            if (checked.code !== 0 && checked.code !== 3)
              throw new Error(`promtool: ${checked.output}\n${body}`);
            expect(checked.output).not.toContain('error while linting');
          }
          // No two families own a common sample name.
          const claimed = new Map<string, string>();
          for (const family of strict.exposition.families) {
            const familyName =
              format === 'openmetrics' && family.type === 'counter' ? `${family.name}_total` : family.name;
            for (const sample of owned(familyName, family.type)) {
              expect(claimed.get(sample), `${sample} claimed twice\n${body}`).toBeUndefined();
              claimed.set(sample, family.name);
            }
          }
          // An own family no earlier own family clashes with is in the body, whatever the callbacks say.
          const written = new Map(
            strict.exposition.families.map((f) => [
              format === 'openmetrics' && f.type === 'counter' ? `${f.name}_total` : f.name,
              f.type,
            ]),
          );
          for (const survivor of survivors) {
            const key =
              format === 'openmetrics' && survivor.type === 'counter' && !survivor.name.endsWith('_total')
                ? `${survivor.name}_total`
                : survivor.name;
            expect(written.get(key), `own ${survivor.type} ${survivor.name} missing\n${body}`).toBe(
              survivor.type,
            );
          }
        }
      }),
      { numRuns: 80 },
    );
  }, 120_000);

  it('the clashes of the issue: histogram foo beside gauge foo_count, gauge bar_count at the same level, a callback declaring foo_sum', async () => {
    const root = createMetricsRoot();
    const ns = root.namespace('ns');
    root.histogram({ name: 'foo', help: 'h', prefix: false }).observe(1);
    ns.gauge({ name: 'foo_count', help: 'g', prefix: false }).set(1);
    root.histogram({ name: 'bar', help: 'h', prefix: false }).observe(1);
    root.gauge({ name: 'bar_count', help: 'g', prefix: false }).set(2);
    root.addExpositionCallback(() => '# TYPE foo_sum gauge\nfoo_sum 7\n# TYPE eng_ok gauge\neng_ok 1\n');
    for (const format of ['text', 'openmetrics'] as const) {
      const { body } = await root.scrape(
        format === 'openmetrics' ? 'application/openmetrics-text' : undefined,
      );
      expect(body.match(/^foo_count /gm)).toHaveLength(1);
      expect(body.match(/^bar_count /gm)).toHaveLength(1);
      expect(body).not.toContain('foo_sum 7');
      expect(body).toContain('eng_ok 1');
      expect(await parsers.parse(format, body)).toMatchObject({ ok: true });
      if (format === 'text') {
        const checked = await promtoolCheckMetrics(promtool as string, body);
        expect(checked.code, checked.output).not.toBe(1);
        expect(checked.output).not.toContain('error while linting');
      }
    }
  });

  it('OpenMetrics: canonical le, and no _sum (nor _count) on a histogram with a negative bound', async () => {
    const root = createMetricsRoot();
    root.histogram({ name: 'neg', help: 'h', prefix: false, buckets: [-1, 0, 1] }).observe(-0.5);
    root.histogram({ name: 'tiny', help: 'h', prefix: false, buckets: [1e-9, 0.00001, 1000000] }).observe(1);
    const { body } = await root.scrape('application/openmetrics-text');
    expect(body).toContain('tiny_bucket{le="1e-09"} 0');
    expect(body).toContain('tiny_bucket{le="1e-05"} 0');
    expect(body).toContain('tiny_bucket{le="1e+06"} 1');
    expect(body).toContain('neg_bucket{le="-1.0"} 0');
    expect(body).not.toContain('neg_sum');
    expect(body).not.toContain('neg_count');
    expect(body).toContain('tiny_sum 1');
    expect(body.endsWith('# EOF\n')).toBe(true);
    expect(body).not.toContain('\n\n');
    expect(await parsers.parse('openmetrics', body)).toMatchObject({ ok: true });
  });
});
