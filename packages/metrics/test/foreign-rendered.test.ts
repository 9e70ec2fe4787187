import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { diag, selfMetrics } from '@dynotel/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SeriesSet } from '../src/foreign/series-set.ts';
import { createMetricsRoot } from '../src/index.ts';
import { parseBody, selfValue } from './support.ts';

/*
 * Foreign families whose name is new are written as text while they are read (gather/foreign-render.ts);
 * a name that repeats later makes the merge read the rendered family again as points. Either way the body
 * must be what one text holding the same first-wins series gives.
 */

beforeEach(() => {
  selfMetrics.reset();
  diag.setSink(() => {});
});
afterEach(() => diag.reset());

const FIRST =
  '# HELP eng_req_total Requests\n# TYPE eng_req_total counter\neng_req_total{m="a"} 1\neng_req_total{m="b"} 2\n' +
  '# HELP eng_lat Latency\n# TYPE eng_lat histogram\n' +
  'eng_lat_bucket{m="a",le="0.5"} 1\neng_lat_bucket{m="a",le="+Inf"} 2\neng_lat_sum{m="a"} 1.5\neng_lat_count{m="a"} 2\n' +
  '# HELP eng_q Quantiles\n# TYPE eng_q summary\neng_q{m="a",quantile="0.5"} 0.2\neng_q_sum{m="a"} 4\neng_q_count{m="a"} 9\n' +
  '# TYPE eng_only_first gauge\neng_only_first 7\n';

const SECOND =
  '# HELP eng_req_total Requests\n# TYPE eng_req_total counter\neng_req_total{m="b"} 20\neng_req_total{m="c"} 3\n' +
  '# HELP eng_lat Latency\n# TYPE eng_lat histogram\n' +
  'eng_lat_bucket{m="a",le="0.5"} 10\neng_lat_bucket{m="a",le="+Inf"} 20\neng_lat_sum{m="a"} 15\neng_lat_count{m="a"} 20\n' +
  'eng_lat_bucket{m="b",le="0.5"} 0\neng_lat_bucket{m="b",le="+Inf"} 1\neng_lat_sum{m="b"} 0.7\neng_lat_count{m="b"} 1\n' +
  '# HELP eng_q Quantiles\n# TYPE eng_q summary\neng_q{m="b",quantile="0.5"} 0.3\neng_q_sum{m="b"} 1\neng_q_count{m="b"} 2\n';

/** What the two texts merge into, first wins: the second text's new series after the first's. */
const MERGED =
  '# HELP eng_req_total Requests\n# TYPE eng_req_total counter\n' +
  'eng_req_total{m="a"} 1\neng_req_total{m="b"} 2\neng_req_total{m="c"} 3\n' +
  '# HELP eng_lat Latency\n# TYPE eng_lat histogram\n' +
  'eng_lat_bucket{m="a",le="0.5"} 1\neng_lat_bucket{m="a",le="+Inf"} 2\neng_lat_sum{m="a"} 1.5\neng_lat_count{m="a"} 2\n' +
  'eng_lat_bucket{m="b",le="0.5"} 0\neng_lat_bucket{m="b",le="+Inf"} 1\neng_lat_sum{m="b"} 0.7\neng_lat_count{m="b"} 1\n' +
  '# HELP eng_q Quantiles\n# TYPE eng_q summary\n' +
  'eng_q{m="a",quantile="0.5"} 0.2\neng_q_sum{m="a"} 4\neng_q_count{m="a"} 9\n' +
  'eng_q{m="b",quantile="0.5"} 0.3\neng_q_sum{m="b"} 1\neng_q_count{m="b"} 2\n' +
  '# TYPE eng_only_first gauge\neng_only_first 7\n';

async function scrapeOf(texts: readonly string[], accept: string | undefined): Promise<string> {
  const root = createMetricsRoot();
  for (const text of texts) root.addExpositionCallback(() => text);
  return (await root.scrape(accept)).body;
}

describe('foreign families rendered while read', () => {
  for (const accept of [undefined, 'application/openmetrics-text']) {
    const format = accept === undefined ? 'text' : 'openmetrics';
    it(`merge series by series when a later source repeats their name (${format})`, async () => {
      const merged = await scrapeOf([FIRST, SECOND], accept);
      const duplicates = selfValue('dynotel_metrics_duplicate_series_dropped_total');
      selfMetrics.reset();
      const once = await scrapeOf([MERGED], accept);
      // Only the self-metrics differ (the duplicates dropped); every foreign family is the same text.
      const foreign = (body: string) => body.replace(/^(# (HELP|TYPE) )?dynotel_.*\n/gm, '');
      expect(foreign(merged)).toBe(foreign(once));
      expect(duplicates).toBe(2); // eng_req_total{m="b"} and eng_lat{m="a"}
      parseBody(merged, format);
    });
  }

  it('merge two families one text renames to the same name', async () => {
    const root = createMetricsRoot();
    root.addExpositionCallback(
      () => '# TYPE eng_a gauge\neng_a{x="1"} 1\n# TYPE eng_b gauge\neng_b{x="1"} 2\neng_b{x="2"} 3\n',
      { rename: { eng_a: 'eng_x', eng_b: 'eng_x' } },
    );
    const { body } = await root.scrape();
    expect(body).toContain('# TYPE eng_x gauge\neng_x{x="1"} 1\neng_x{x="2"} 3\n');
    expect(body.match(/^# TYPE eng_x /gm)).toHaveLength(1);
    expect(selfValue('dynotel_metrics_duplicate_series_dropped_total')).toBe(1);
    parseBody(body);
  });

  it('write a family larger than one chunk whole, in order, each chunk ending a line', async () => {
    const series = 5_000; // ~60 characters a line: several 60K-character chunks
    let text = '# TYPE eng_big gauge\n';
    for (let i = 0; i < series; i++) text += `eng_big{shard="${i}",model="llama-3-70b-instruct"} ${i}\n`;
    const root = createMetricsRoot();
    root.addExpositionCallback(() => text);
    const stream = await root.scrapeStream();
    const chunks: string[] = [];
    for await (const chunk of stream.body) chunks.push(chunk);
    expect(chunks.length).toBeGreaterThan(3);
    for (const chunk of chunks) if (chunk.length > 0) expect(chunk.endsWith('\n')).toBe(true);
    const lines = chunks
      .join('')
      .split('\n')
      .filter((line) => line.startsWith('eng_big{'));
    expect(lines).toHaveLength(series);
    expect(lines[0]).toBe('eng_big{model="llama-3-70b-instruct",shard="0"} 0');
    expect(lines.at(-1)).toBe(`eng_big{model="llama-3-70b-instruct",shard="${series - 1}"} ${series - 1}`);
  });
});

describe('SeriesSet (the parser duplicate-series check)', () => {
  it('tells a repeated key from new ones over many keys', () => {
    const keys = Array.from({ length: 50_000 }, (_, i) => `m\u0000shard\u0001${i}`);
    const set = new SeriesSet((offset) => keys[offset] as string);
    for (const [i, key] of keys.entries()) expect(set.add(key, i)).toBe(true);
    for (const [i, key] of keys.entries()) expect(set.add(key, i + keys.length)).toBe(false);
  });

  it('confirms a hash match against the earlier line: equal hashes of different keys are not duplicates', () => {
    // Reading the earlier line again yields another key: what a hash collision looks like.
    const set = new SeriesSet(() => 'another key');
    expect(set.add('k', 0)).toBe(true);
    expect(set.add('k', 1)).toBe(true);
  });
});

describe('the body of a scrape', () => {
  it('is released once gathered: the stream being written holds none of it', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const largeObjects = () =>
      getHeapSpaceStatistics()
        .filter((space) => space.space_name.includes('large_object'))
        .reduce((sum, space) => sum + space.space_used_size, 0);
    const root = createMetricsRoot();
    let bodyLength = 0;
    root.addExpositionCallback(() => {
      // A fresh body per scrape, as an engine's HTTP response; names and HELP long enough to be slices
      // of it (V8 keeps a substring of 13 characters or more as a view of its parent).
      const lines = ['# HELP engine_requests_running_now Requests running in the engine right now\n'];
      lines.push('# TYPE engine_requests_running_now gauge\n');
      for (let i = 0; i < 60_000; i++) lines.push(`engine_requests_running_now{shard="${i}"} ${i}\n`);
      const text = lines.join(''); // one flat string, in the large-object space
      bodyLength = text.length;
      return text;
    });
    gc();
    const before = largeObjects();
    const stream = await root.scrapeStream();
    await new Promise((resolve) => setTimeout(resolve, 0));
    gc();
    expect(bodyLength).toBeGreaterThan(2 * 2 ** 20);
    // Still held, the body alone would add its length (one byte a character) to the large objects.
    expect(largeObjects() - before).toBeLessThan(bodyLength / 2);
    let written = '';
    for await (const chunk of stream.body) written += chunk;
    expect(written).toContain(
      '# HELP engine_requests_running_now Requests running in the engine right now\n',
    );
    expect(written).toContain('engine_requests_running_now{shard="59999"} 59999\n');
  });
});
