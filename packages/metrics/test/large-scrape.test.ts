import { describe, expect, it } from 'vitest';
import { createMetricsRoot } from '../src/index.ts';
import { parseBody } from './support.ts';

describe('large scrapes', () => {
  it('gives the event loop back while encoding 100k series, and the body is complete and valid', async () => {
    const root = createMetricsRoot({ workerId: 7 });
    const c = root
      .namespace('n')
      .component('c')
      .endpoint('e')
      .counter({
        name: 'big_total',
        help: 'h',
        labelNames: ['i'],
        seriesLimit: 200_000,
      });
    for (let i = 0; i < 100_000; i++) c.labels(`v${i}`).inc(i);
    let turns = 0;
    const ticker = setInterval(() => turns++, 0);
    try {
      const { body } = await root.scrape();
      // Other tasks ran while the scrape was in progress: it did not encode in one synchronous block.
      expect(turns).toBeGreaterThan(0);
      const families = parseBody(body);
      const family = families.find((f) => f.name === 'dynamo_component_big_total');
      expect(family?.samples).toHaveLength(100_000);
      expect(family?.samples[99_999]?.value).toBe(99_999);
    } finally {
      clearInterval(ticker);
    }
  });

  it('streams the same body in chunks', async () => {
    const root = createMetricsRoot();
    const g = root.gauge({ name: 'g', help: 'h', labelNames: ['i'], seriesLimit: 50_000 });
    for (let i = 0; i < 20_000; i++) g.labels(String(i)).set(i);
    const whole = await root.scrape('application/openmetrics-text');
    const stream = await root.scrapeStream('application/openmetrics-text');
    expect(stream.contentType).toBe(whole.contentType);
    const chunks: string[] = [];
    for await (const chunk of stream.body) chunks.push(chunk);
    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks.join('')).toBe(whole.body);
  });
});
