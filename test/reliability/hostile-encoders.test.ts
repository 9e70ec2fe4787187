/**
 * Hostile label values and HELP texts through every encoder dynotel has, property-based: the registry
 * tree (text 0.0.4 and OpenMetrics 1.0, the string scrape and the streamed scrape, child registries
 * merged), the foreign-text path (parse → filter → inject → serialize) and exposition callbacks. Every
 * output must pass the strict exposition parser of @dynotel/metrics (and, for a sample, Debian's
 * `promtool check metrics`) and give back exactly the series that went in, with the label values and
 * HELP texts they had after the documented sanitising. Invalid input is a DynotelError or a counted drop.
 */

import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isDynotelError } from '@dynotel/core';
import {
  createMetricsRoot,
  type ExpositionFamily,
  type MetricsLevel,
  metricsErrors,
  parseExposition,
  processForeignText,
} from '@dynotel/metrics';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireBinaryInCi } from '../support/binaries.ts';
import { PrometheusServer } from '../support/prometheus.ts';
import { promtoolCheckMetrics } from '../support/promtool.ts';
import { expectedLabelValue, expositionText, wellFormed } from './support/hostile.ts';
import { recordFigures } from './support/report.ts';
import { selfSeries, selfTotal } from './support/self-metrics.ts';
import { sized } from './support/settings.ts';

const RUNS = sized(120, 1500);
const FOREIGN_RUNS = sized(200, 2500);
const NAME_RUNS = sized(300, 3000);
/** Text 0.0.4 bodies kept for promtool (one process per body, so a sample). */
const PROMTOOL_SAMPLE = sized(10, 100);
const OPENMETRICS = 'application/openmetrics-text; version=1.0.0';
const promtool = requireBinaryInCi('promtool');
const prometheusBinary = requireBinaryInCi('prometheus');
/** Registries a real Prometheus scrapes in each format (one scrape job per body). */
const PROMETHEUS_CASES = sized(2, 8);
const forPromtool: string[] = [];
const figures: Record<string, unknown> = {};

afterAll(() => recordFigures('hostile-encoders', figures));

/** `name{a="x",b="y"}` with labels sorted, and `le` as a number, so both formats give the same key. */
function seriesKey(name: string, labels: ReadonlyArray<{ name: string; value: string }>): string {
  const sorted = [...labels]
    .map((l) => [l.name, l.name === 'le' ? String(l.value === '+Inf' ? Infinity : Number(l.value)) : l.value])
    .sort((a, b) => ((a[0] as string) < (b[0] as string) ? -1 : 1));
  return JSON.stringify([name, sorted]);
}

/** Parses strictly (failing with the line) and returns every family. */
function parseStrict(body: string, format: 'text' | 'openmetrics'): readonly ExpositionFamily[] {
  const parsed = parseExposition(body, { format });
  if (!parsed.ok) {
    const line = body.split('\n')[parsed.error.line - 1] ?? '';
    throw new Error(
      `${format} body rejected at line ${parsed.error.line}: ${parsed.error.message}\n${JSON.stringify(line).slice(0, 400)}`,
    );
  }
  return parsed.exposition.families;
}

function seriesOf(families: readonly ExpositionFamily[], keep: (family: string) => boolean) {
  const series = new Map<string, number>();
  for (const family of families) {
    if (!keep(family.name)) continue;
    for (const sample of family.samples) {
      const key = seriesKey(sample.name, sample.labels);
      expect(series.has(key), `series ${key} twice`).toBe(false);
      series.set(key, sample.value);
    }
  }
  return series;
}

function helpsOf(families: readonly ExpositionFamily[], keep: (family: string) => boolean) {
  const helps: Record<string, string | undefined> = {};
  for (const family of families) if (keep(family.name)) helps[family.name] = family.help;
  return helps;
}

/** 0.0.4 drops the blanks between the metric name and the HELP text (prometheus/common's parser too). */
const helpAfter004 = (help: string) => help.replace(/^[ \t]+/, '');

async function streamed(level: MetricsLevel, accept: string | undefined): Promise<string> {
  const { body } = await level.scrapeStream(accept);
  let text = '';
  for await (const chunk of body) text += chunk;
  return text;
}

const BOUNDS = [0.5, 1];

describe('hostile label values and HELP texts through the registry encoders', () => {
  it(`${RUNS} registry trees: 0.0.4 and OpenMetrics, string = streamed bytes, exact series and HELP`, async () => {
    const stats = { cases: 0, labelValues: 0, series: 0, duplicatesDropped: 0, truncated: 0, bytes: 0 };
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          help: expositionText(1),
          constValue: expositionText(),
          tuples: fc.array(fc.tuple(expositionText(), expositionText()), { minLength: 1, maxLength: 10 }),
          // Which of those tuples the component level records again (duplicates after the merge) and
          // how many of its own it adds.
          repeated: fc.array(fc.nat(), { maxLength: 6 }),
          extra: fc.array(fc.tuple(expositionText(), expositionText()), { maxLength: 4 }),
        }),
        async ({ help, constValue, tuples, repeated, extra }) => {
          const truncatedBefore = selfTotal('dynotel_metrics_label_values_truncated_total');
          const duplicatesBefore = selfTotal('dynotel_metrics_duplicate_series_dropped_total');
          let truncations = 0;
          const count = (raws: readonly string[]) => {
            for (const raw of raws) if (expectedLabelValue(raw).truncated) truncations++;
          };

          const root = createMetricsRoot();
          const ns = root.namespace('hostile');
          const component = ns.component('encoders');
          const endpoint = component.endpoint('generate');
          // One counter family from two levels (auto labels keep the series apart).
          const counterNs = ns.counter({ name: 'requests_total', help, labelNames: ['a', 'b'] });
          const counterEp = endpoint.counter({ name: 'requests_total', help, labelNames: ['a', 'b'] });
          // One gauge family, same name without auto labels on two levels: the merge drops duplicates.
          const gaugeOptions = {
            name: 'hostile_gauge',
            help,
            labelNames: ['a', 'b'],
            prefix: false,
            autoLabels: false,
          };
          const gaugeNs = ns.gauge(gaugeOptions);
          const gaugeComponent = component.gauge(gaugeOptions);
          const histogram = endpoint.histogram({
            name: 'latency_seconds',
            help,
            labelNames: ['a'],
            constLabels: { c: constValue },
            buckets: BOUNDS,
          });
          count([constValue]);

          const expected = new Map<string, number>();
          const add = (name: string, labels: Record<string, string>, value: number) => {
            const key = seriesKey(
              name,
              Object.entries(labels).map(([n, v]) => ({ name: n, value: v })),
            );
            expected.set(key, (expected.get(key) ?? 0) + value);
          };
          const norm = (raw: string) => expectedLabelValue(raw).value;
          const nsLabels = { dynamo_namespace: 'hostile' };
          const epLabels = { ...nsLabels, dynamo_component: 'encoders', dynamo_endpoint: 'generate' };
          const gaugeSeries = new Map<string, number>();
          const histograms = new Map<string, number[]>();
          tuples.forEach(([a, b], index) => {
            counterNs.labels(a, b).inc(index + 1);
            counterEp.labels(a, b).inc(2);
            gaugeNs.labels(a, b).set(index);
            histogram.labels(a).observe(index % 3 === 0 ? 0.25 : index % 3 === 1 ? 0.75 : 7);
            count([a, b, a, b, a, b, a]);
            add('dynamo_component_requests_total', { ...nsLabels, a: norm(a), b: norm(b) }, index + 1);
            add('dynamo_component_requests_total', { ...epLabels, a: norm(a), b: norm(b) }, 2);
            gaugeSeries.set(JSON.stringify([norm(a), norm(b)]), index); // last set wins
            const observed = histograms.get(norm(a)) ?? [];
            observed.push(index % 3 === 0 ? 0.25 : index % 3 === 1 ? 0.75 : 7);
            histograms.set(norm(a), observed);
          });
          // The component's gauge: some of the same label sets (dropped by the merge, first wins) and its own.
          const componentTuples = [...repeated.map((i) => tuples[i % tuples.length]!), ...extra];
          const componentOnly = new Map<string, number>();
          componentTuples.forEach(([a, b], index) => {
            gaugeComponent.labels(a, b).set(1000 + index);
            count([a, b]);
            componentOnly.set(JSON.stringify([norm(a), norm(b)]), 1000 + index);
          });
          let duplicates = 0;
          for (const [key, value] of componentOnly) {
            if (gaugeSeries.has(key)) duplicates++;
            else gaugeSeries.set(key, value);
          }
          for (const [key, value] of gaugeSeries) {
            const [a, b] = JSON.parse(key) as [string, string];
            add('hostile_gauge', { a, b }, value);
          }
          for (const [a, observed] of histograms) {
            const labels = { ...epLabels, a, c: norm(constValue) };
            for (const bound of [...BOUNDS, Infinity]) {
              const le = bound === Infinity ? '+Inf' : String(bound);
              add(
                'dynamo_component_latency_seconds_bucket',
                { ...labels, le },
                observed.filter((v) => v <= bound).length,
              );
            }
            add('dynamo_component_latency_seconds_count', labels, observed.length);
            add(
              'dynamo_component_latency_seconds_sum',
              labels,
              observed.reduce((s, v) => s + v, 0),
            );
          }

          const ours = (name: string) => !name.startsWith('dynotel_');
          let scrapes = 0;
          for (const accept of [undefined, OPENMETRICS]) {
            const format = accept === undefined ? 'text' : 'openmetrics';
            const body = (await ns.scrape(accept)).body;
            // The streamed scrape writes exactly the same bytes.
            expect(await streamed(ns, accept)).toBe(body);
            const rootBody = (await root.scrape(accept)).body;
            scrapes += 3;
            for (const text of [body, rootBody]) {
              const families = parseStrict(text, format);
              const got = seriesOf(families, ours);
              expect(got.size).toBe(expected.size);
              for (const [key, value] of expected) {
                expect(got.has(key), `missing ${key.slice(0, 300)}`).toBe(true);
                expect(got.get(key)).toBeCloseTo(value, 9);
              }
              const wantHelp = format === 'text' ? helpAfter004(wellFormed(help)) : wellFormed(help);
              const names =
                format === 'text'
                  ? ['dynamo_component_requests_total', 'hostile_gauge', 'dynamo_component_latency_seconds']
                  : ['dynamo_component_requests', 'hostile_gauge', 'dynamo_component_latency_seconds'];
              expect(helpsOf(families, ours)).toEqual(Object.fromEntries(names.map((n) => [n, wantHelp])));
            }
            stats.bytes += body.length;
            if (format === 'text' && forPromtool.length < PROMTOOL_SAMPLE) forPromtool.push(rootBody);
          }
          // Dropped duplicates and truncated values are counted exactly.
          expect(selfTotal('dynotel_metrics_duplicate_series_dropped_total') - duplicatesBefore).toBe(
            duplicates * scrapes,
          );
          expect(selfTotal('dynotel_metrics_label_values_truncated_total') - truncatedBefore).toBe(
            truncations,
          );
          stats.cases++;
          stats.labelValues += tuples.length * 2 + componentTuples.length * 2 + 1;
          stats.series += expected.size;
          stats.duplicatesDropped += duplicates * scrapes;
          stats.truncated += truncations;
        },
      ),
      { numRuns: RUNS, endOnFailure: true },
    );
    figures.registry = stats;
  });
});

/** The reference escaping of each format, written here independently of the encoder. */
const escapeValue = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
const escapeHelp004 = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
const escapeHelpOm = escapeValue;

interface ForeignCase {
  readonly openMetrics: boolean;
  readonly help: string;
  readonly tuples: ReadonlyArray<readonly [string, string]>;
  readonly inject: Readonly<Record<string, string>>;
  readonly filtered: boolean;
}

/** Foreign exposition text: a counter, a gauge, a histogram and a gauge the prefix filter removes. */
function foreignText(c: ForeignCase): string {
  const help = c.openMetrics ? escapeHelpOm(c.help) : escapeHelp004(c.help);
  const labels = ([model, stage]: readonly [string, string]) =>
    `model="${escapeValue(model)}",stage="${escapeValue(stage)}"`;
  const counter = c.openMetrics ? 'engine_requests' : 'engine_requests_total';
  let text = `# HELP ${counter} ${help}\n# TYPE ${counter} counter\n`;
  c.tuples.forEach((t, i) => {
    text += `engine_requests_total{${labels(t)}} ${i + 1}\n`;
  });
  text += `# HELP engine_queue ${help}\n# TYPE engine_queue gauge\n`;
  c.tuples.forEach((t, i) => {
    text += `engine_queue{${labels(t)}} ${i}\n`;
  });
  text += `# HELP engine_latency_seconds ${help}\n# TYPE engine_latency_seconds histogram\n`;
  c.tuples.forEach((t, i) => {
    const l = labels(t);
    const one = c.openMetrics ? '1.0' : '1';
    text += `engine_latency_seconds_bucket{${l},le="0.5"} ${i}\nengine_latency_seconds_bucket{${l},le="${one}"} ${i + 1}\n`;
    text += `engine_latency_seconds_bucket{${l},le="+Inf"} ${i + 2}\nengine_latency_seconds_sum{${l}} ${i * 1.5}\n`;
    text += `engine_latency_seconds_count{${l}} ${i + 2}\n`;
  });
  text += `# HELP other_gauge ${help}\n# TYPE other_gauge gauge\nother_gauge 1\n`;
  return c.openMetrics ? `${text}# EOF\n` : text;
}

/** What must come out of processForeignText for a valid case: every series, labels injected (existing win). */
function foreignExpected(c: ForeignCase): Map<string, number> {
  const expected = new Map<string, number>();
  const add = (name: string, labels: Record<string, string>, value: number) => {
    const merged = { ...c.inject, ...labels };
    expected.set(
      seriesKey(
        name,
        Object.entries(merged).map(([n, v]) => ({ name: n, value: v })),
      ),
      value,
    );
  };
  c.tuples.forEach(([model, stage], i) => {
    const l = { model, stage };
    add('engine_requests_total', l, i + 1);
    if (!c.filtered) add('engine_queue', l, i);
    add('engine_latency_seconds_bucket', { ...l, le: '0.5' }, i);
    add('engine_latency_seconds_bucket', { ...l, le: '1' }, i + 1);
    add('engine_latency_seconds_bucket', { ...l, le: '+Inf' }, i + 2);
    add('engine_latency_seconds_sum', l, i * 1.5);
    add('engine_latency_seconds_count', l, i + 2);
  });
  if (!c.filtered) add('other_gauge', {}, 1);
  return expected;
}

const isWellFormed = (text: string) => wellFormed(text) === text;
/** Foreign text with a lone surrogate is dropped whole: keep most cases valid so most exercise the output. */
const mostlyWellFormed = fc.oneof(
  { weight: 6, arbitrary: expositionText().map(wellFormed) },
  { weight: 1, arbitrary: expositionText() },
);

describe('hostile label values and HELP texts through the foreign-text path', () => {
  it(`${FOREIGN_RUNS} foreign texts: parse → filter → inject → serialize, and as exposition callbacks in both formats`, async () => {
    const stats = {
      cases: 0,
      accepted: 0,
      droppedInvalidText: 0,
      droppedInvalidLabels: 0,
      callbackScrapes: 0,
    };
    const dropped = () => selfSeries('dynotel_metrics_foreign_text_dropped_total');
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          openMetrics: fc.boolean(),
          help: mostlyWellFormed,
          tuples: fc.uniqueArray(fc.tuple(mostlyWellFormed, mostlyWellFormed), {
            minLength: 1,
            maxLength: 6,
            selector: ([a, b]) => JSON.stringify([a, b]),
          }),
          inject: fc.dictionary(fc.constantFrom('model', 'worker', 'pod', 'zone'), mostlyWellFormed, {
            maxKeys: 3,
          }),
          filtered: fc.boolean(),
        }),
        async (c: ForeignCase) => {
          const text = foreignText(c);
          const before = dropped();
          const result = processForeignText(text, {
            injectLabels: c.inject,
            ...(c.filtered
              ? { includePrefixes: ['engine_', 'other_'], excludePrefixes: ['engine_queue', 'other_'] }
              : {}),
            source: 'hostile',
          });
          const after = dropped();
          const delta = (reason: string) =>
            (after[JSON.stringify({ reason })] ?? 0) - (before[JSON.stringify({ reason })] ?? 0);
          const valuesOk =
            c.tuples.every(([a, b]) => isWellFormed(a) && isWellFormed(b)) && isWellFormed(c.help);
          const injectOk = Object.values(c.inject).every(isWellFormed);
          stats.cases++;
          if (!injectOk) {
            // Labels to inject are checked first: a clear reason, counted once.
            expect(result).toMatchObject({ ok: false, reason: 'invalid_labels' });
            expect(delta('invalid_labels')).toBe(1);
            stats.droppedInvalidLabels++;
            return;
          }
          if (!valuesOk) {
            // Invalid UTF-8 in the source text: dropped whole, counted, never passed through.
            expect(result).toMatchObject({ ok: false, reason: 'invalid_text' });
            expect(delta('invalid_text')).toBe(1);
            stats.droppedInvalidText++;
            // From an exposition callback: dropped whole and counted, the scrape still valid.
            const root = createMetricsRoot();
            const ns = root.namespace('hostile');
            ns.addExpositionCallback(() => text);
            const droppedBefore = selfTotal('dynotel_metrics_exposition_text_dropped_total');
            for (const accept of [undefined, OPENMETRICS]) {
              const scraped = parseStrict(
                (await ns.scrape(accept)).body,
                accept === undefined ? 'text' : 'openmetrics',
              );
              expect(
                scraped.filter((f) => f.name.startsWith('engine_') || f.name.startsWith('other_')),
              ).toEqual([]);
            }
            expect(selfTotal('dynotel_metrics_exposition_text_dropped_total') - droppedBefore).toBe(2);
            stats.callbackScrapes += 2;
            return;
          }
          if (!result.ok) throw new Error(`valid foreign text dropped (${result.reason}): ${result.message}`);
          expect(Object.values(after).reduce((a, b) => a + b, 0)).toBe(
            Object.values(before).reduce((a, b) => a + b, 0),
          );
          stats.accepted++;
          const families = parseStrict(result.text, 'text');
          const expected = foreignExpected(c);
          const got = seriesOf(families, () => true);
          expect([...got.keys()].sort()).toEqual([...expected.keys()].sort());
          for (const [key, value] of expected) expect(got.get(key)).toBeCloseTo(value, 9);
          for (const family of families) expect(family.help).toBe(helpAfter004(c.help));
          if (forPromtool.length < PROMTOOL_SAMPLE * 2) forPromtool.push(result.text);

          // The same text from an exposition callback, appended to a scrape in each format.
          const root = createMetricsRoot();
          const ns = root.namespace('hostile');
          ns.gauge({ name: 'own_gauge', help: 'own', labelNames: ['a'] })
            .labels(c.tuples[0]![0])
            .set(1);
          ns.addExpositionCallback(() => text);
          for (const accept of [undefined, OPENMETRICS]) {
            const format = accept === undefined ? 'text' : 'openmetrics';
            const body = (await ns.scrape(accept)).body;
            expect(await streamed(ns, accept)).toBe(body);
            const scraped = parseStrict(body, format);
            const foreign = seriesOf(
              scraped,
              (name) => name.startsWith('engine_') || name.startsWith('other_'),
            );
            const plain = foreignExpected({ ...c, inject: {}, filtered: false });
            expect([...foreign.keys()].sort()).toEqual([...plain.keys()].sort());
            for (const [key, value] of plain) expect(foreign.get(key)).toBeCloseTo(value, 9);
            for (const family of scraped) {
              if (family.name.startsWith('engine_') || family.name.startsWith('other_')) {
                // Callback text is parsed into the scrape's model in its own format: OpenMetrics text keeps
                // its HELP exactly in an OpenMetrics scrape; 0.0.4 (source or scrape) drops leading blanks.
                const exact = c.openMetrics && format === 'openmetrics';
                expect(family.help).toBe(exact ? c.help : helpAfter004(c.help));
              }
            }
            stats.callbackScrapes++;
          }
        },
      ),
      { numRuns: FOREIGN_RUNS, endOnFailure: true },
    );
    figures.foreign = stats;
  });
});

const CODES = new Set(Object.keys(metricsErrors.errors));

describe('hostile names and options: a clear DynotelError or valid output', () => {
  it(`${NAME_RUNS} hostile metric names, label names, hierarchy names and HELP`, async () => {
    const stats = { cases: 0, accepted: 0, errors: {} as Record<string, number> };
    const anyName = fc.oneof(
      { weight: 6, arbitrary: fc.stringMatching(/^[a-zA-Z_:][a-zA-Z0-9_:]{0,30}$/) },
      { weight: 1, arbitrary: expositionText() },
      {
        weight: 1,
        arbitrary: fc.constantFrom(
          '',
          '__name__',
          'le',
          'quantile',
          '__x',
          'dynamo_namespace',
          'worker_id',
          '0abc',
          'a-b',
          'a b',
        ),
      },
    );
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          namespace: anyName,
          name: anyName,
          prefix: fc.boolean(),
          help: fc.oneof(expositionText(), fc.constant('')),
          labelNames: fc.array(anyName, { maxLength: 3 }),
          type: fc.constantFrom('counter', 'gauge', 'histogram') as fc.Arbitrary<
            'counter' | 'gauge' | 'histogram'
          >,
          value: expositionText(),
        }),
        async (input) => {
          stats.cases++;
          const root = createMetricsRoot();
          try {
            const ns = root.namespace(input.namespace);
            const metric = ns[input.type]({
              name: input.name,
              help: input.help,
              labelNames: input.labelNames,
              prefix: input.prefix,
            });
            const child = metric.labels(...input.labelNames.map(() => input.value));
            if ('inc' in child) child.inc();
            else child.observe(1);
            stats.accepted++;
          } catch (error) {
            expect(isDynotelError(error), String(error)).toBe(true);
            const code = (error as { code: string }).code;
            expect(CODES.has(code), code).toBe(true);
            expect((error as Error).message.length).toBeGreaterThan(20);
            stats.errors[code] = (stats.errors[code] ?? 0) + 1;
          }
          // Whatever was accepted, the scrape stays valid in both formats.
          parseStrict((await root.scrape()).body, 'text');
          parseStrict((await root.scrape(OPENMETRICS)).body, 'openmetrics');
        },
      ),
      { numRuns: NAME_RUNS, endOnFailure: true },
    );
    figures.names = stats;
  });
});

describe.skipIf(promtool === undefined)('promtool', () => {
  it('promtool check metrics parses a sample of the generated 0.0.4 bodies', async () => {
    expect(forPromtool.length).toBeGreaterThan(0);
    for (const body of forPromtool) {
      const result = await promtoolCheckMetrics(promtool!, body);
      // Exit 0 (clean) or 3 (lint findings only); a parse error is exit 1 with "error while linting".
      expect(result.output, result.output.slice(0, 500)).not.toMatch(/error while linting|parsing error/);
      expect([0, 3]).toContain(result.code);
    }
    figures.promtoolBodies = forPromtool.length;
  });
});

/**
 * Prometheus takes seconds to start: it starts when the file does, against a server whose bodies the
 * test fills in later (a 404 until then), so its start overlaps the property runs above.
 */
const PROMETHEUS_PATHS = [
  ...Array.from({ length: PROMETHEUS_CASES }, (_, i) => [`/case-${i}-text`, `/case-${i}-om`]).flat(),
  '/control-broken-om',
];
const prometheusBodies = new Map<string, { body: string; contentType: string }>();
let prometheusSetup: Promise<{ prometheus: PrometheusServer; close(): Promise<void> }> | undefined;

beforeAll(() => {
  if (prometheusBinary === undefined) return;
  prometheusSetup = (async () => {
    const server = createServer((req, res) => {
      const found = prometheusBodies.get(req.url ?? '');
      if (found === undefined) return void res.writeHead(404).end();
      res.writeHead(200, { 'content-type': found.contentType }).end(found.body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const target = `127.0.0.1:${(server.address() as AddressInfo).port}`;
    const closeServer = () => new Promise<void>((resolve) => server.close(() => resolve()));
    try {
      const prometheus = await PrometheusServer.start({
        binary: prometheusBinary,
        jobs: PROMETHEUS_PATHS.map((path) => ({
          jobName: path.slice(1),
          targets: [target],
          metricsPath: path,
        })),
      });
      return {
        prometheus,
        close: async () => {
          await prometheus.stop();
          await closeServer();
        },
      };
    } catch (error) {
      await closeServer();
      throw error;
    }
  })();
  prometheusSetup.catch(() => {}); // awaited (and reported) by the test
});

afterAll(async () => {
  await (await prometheusSetup?.catch(() => undefined))?.close();
});

describe.skipIf(prometheusBinary === undefined)('a real Prometheus ingests the bodies', () => {
  it(`${PROMETHEUS_CASES} hostile registries, scraped as 0.0.4 and OpenMetrics: every target up, every label value stored as written`, async () => {
    const tuples = fc.sample(
      fc.uniqueArray(fc.tuple(expositionText(), expositionText()), {
        minLength: 1,
        maxLength: 12,
        selector: ([a, b]) => JSON.stringify([expectedLabelValue(a).value, expectedLabelValue(b).value]),
      }),
      { numRuns: PROMETHEUS_CASES, seed: 8 },
    );
    const helps = fc.sample(expositionText(1), { numRuns: PROMETHEUS_CASES, seed: 9 });
    const expected = new Map<string, string[]>();
    for (let i = 0; i < PROMETHEUS_CASES; i++) {
      const root = createMetricsRoot();
      const ns = root.namespace('hostile');
      const gauge = ns.gauge({
        name: 'hostile_gauge',
        help: helps[i]!,
        labelNames: ['a', 'b'],
        prefix: false,
        autoLabels: false,
      });
      const keys: string[] = [];
      tuples[i]!.forEach(([a, b], index) => {
        gauge.labels(a, b).set(index);
        // Prometheus drops a label whose value is empty: it reads back as absent.
        keys.push(JSON.stringify([expectedLabelValue(a).value, expectedLabelValue(b).value]));
      });
      expected.set(`case-${i}`, keys.sort());
      for (const accept of [undefined, OPENMETRICS]) {
        const scraped = await ns.scrape(accept);
        prometheusBodies.set(`/case-${i}-${accept === undefined ? 'text' : 'om'}`, scraped);
      }
    }
    // A control target: OpenMetrics without `# EOF` must be refused, or the check above proves nothing.
    prometheusBodies.set('/control-broken-om', {
      body: '# TYPE hostile_control gauge\nhostile_control 1\n',
      contentType: 'application/openmetrics-text; version=1.0.0; charset=utf-8',
    });
    const { prometheus } = await prometheusSetup!;
    // Until its body was set a target was down (404): wait for a scrape of every body. A body
    // Prometheus cannot parse stays down with the parser's error.
    const targets = await prometheus
      .waitFor('every body scraped', async () => {
        const all = await prometheus.targets();
        const done = all.every((t) =>
          t.job === 'control-broken-om'
            ? t.health === 'down' && !t.lastError.includes('404')
            : t.health === 'up',
        );
        return all.length === PROMETHEUS_PATHS.length && done ? all : undefined;
      })
      .catch(async (error: Error) => {
        const all = await prometheus.targets();
        throw new Error(
          `${error.message}: ${all.map((t) => `${t.job} ${t.health} ${t.lastError}`).join('; ')}`,
        );
      });
    for (const t of targets) {
      if (t.job !== 'control-broken-om') expect(`${t.job}: ${t.health} ${t.lastError}`).toBe(`${t.job}: up `);
    }
    let series = 0;
    for (const path of PROMETHEUS_PATHS) {
      const name = path.slice(1);
      if (name === 'control-broken-om') continue;
      const samples = await prometheus.query(`hostile_gauge{job="${name}"}`);
      const got = samples.map((s) => JSON.stringify([s.metric.a ?? '', s.metric.b ?? ''])).sort();
      expect(got).toEqual(expected.get(name.replace(/-(text|om)$/, '')));
      series += got.length;
    }
    figures.prometheus = { bodies: PROMETHEUS_PATHS.length - 1, series };
  });
});
