import { describe, expect, it } from 'vitest';
import { createMetricsRoot, parseExposition } from '../src/index.ts';

// Regressions found by test/reliability/hostile-encoders.test.ts.

function helpOf(body: string, format: 'text' | 'openmetrics', family: string): string | undefined {
  const parsed = parseExposition(body, { format });
  if (!parsed.ok) throw new Error(`line ${parsed.error.line}: ${parsed.error.message}`);
  return parsed.exposition.families.find((f) => f.name === family)?.help;
}

describe('HELP texts with CR, U+2028/U+2029 and lone surrogates', () => {
  it.each(['\r', '\u2028', '\u2029', 'a\rb\u2028c'])(
    'the strict parser reads a HELP line holding %j in both formats (it took it for a comment)',
    (odd) => {
      const text = `# HELP m help${odd}end\n# TYPE m gauge\nm 1\n`;
      expect(helpOf(text, 'text', 'm')).toBe(`help${odd}end`);
      expect(helpOf(`${text}# EOF\n`, 'openmetrics', 'm')).toBe(`help${odd}end`);
    },
  );

  it('a HELP holding a lone surrogate is written as U+FFFD, so both formats stay valid UTF-8', async () => {
    const root = createMetricsRoot();
    const ns = root.namespace('ns');
    ns.gauge({ name: 'g', help: 'bad \ud800 and \udc00 pair \ud83c\udf89', labelNames: ['a'] })
      .labels('x')
      .set(1);
    const text = (await ns.scrape()).body;
    const om = (await ns.scrape('application/openmetrics-text')).body;
    expect(helpOf(text, 'text', 'dynamo_component_g')).toBe('bad \ufffd and \ufffd pair \ud83c\udf89');
    expect(helpOf(om, 'openmetrics', 'dynamo_component_g')).toBe('bad \ufffd and \ufffd pair \ud83c\udf89');
  });

  it('a HELP with CR round-trips through the registry encoders', async () => {
    const root = createMetricsRoot();
    const ns = root.namespace('ns');
    ns.counter({ name: 'c_total', help: 'one\rtwo\u2028three' }).inc();
    expect(helpOf((await ns.scrape()).body, 'text', 'dynamo_component_c_total')).toBe('one\rtwo\u2028three');
    const om = (await ns.scrape('application/openmetrics-text')).body;
    expect(helpOf(om, 'openmetrics', 'dynamo_component_c')).toBe('one\rtwo\u2028three');
  });
});
