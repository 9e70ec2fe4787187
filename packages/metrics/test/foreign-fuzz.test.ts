import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { injectLabels } from '../src/foreign/inject.ts';
import { parseExposition } from '../src/foreign/parser.ts';
import { processForeignText } from '../src/foreign/process.ts';
import { validateExpositionText } from '../src/foreign/validate.ts';

const labelName = fc
  .stringMatching(/^[a-zA-Z_][a-zA-Z0-9_]{0,12}$/)
  .filter((name) => !name.startsWith('__') && name !== 'le' && name !== 'quantile' && name !== 'existing');

// Full Unicode (well-formed) plus a dense mix of the characters that break naive exposition writers.
const nasty = fc.constantFrom(
  '"',
  '\\',
  '\n',
  '{',
  '}',
  '#',
  ' ',
  ',',
  '=',
  '\u0000',
  '\r',
  '\t',
  'a',
  'é',
  '🎉',
);
const labelValue = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: nasty, maxLength: 40 }),
);
const labels = fc.dictionary(labelName, labelValue, { maxKeys: 6 });

const SOURCE = '# HELP m_total help with \\\\ and \\n\n# TYPE m_total counter\nm_total{existing="e\\"x"} 1\n';

function labelsOf(text: string): Record<string, string> {
  const parsed = parseExposition(text);
  if (!parsed.ok) throw new Error(`line ${parsed.error.line}: ${parsed.error.message}`);
  expect(parsed.exposition.families).toHaveLength(1);
  const samples = parsed.exposition.families[0]?.samples ?? [];
  expect(samples).toHaveLength(1);
  return Object.fromEntries((samples[0]?.labels ?? []).map((l) => [l.name, l.value]));
}

describe('fuzz: label values survive inject → strict parse unchanged', () => {
  it('injectLabels output always parses strictly and carries exactly the injected values', () => {
    fc.assert(
      fc.property(labels, (injected) => {
        const out = injectLabels(SOURCE, injected);
        expect(labelsOf(out)).toEqual({ existing: 'e"x', ...injected });
        // Canonical output is a fixed point of validation.
        expect(validateExpositionText(out)).toEqual({ ok: true, text: out });
      }),
      { numRuns: 500 },
    );
  });

  it('processForeignText with filters and injection gives the same labels', () => {
    fc.assert(
      fc.property(labels, (injected) => {
        const result = processForeignText(`${SOURCE}other_metric 2\n`, {
          includePrefixes: ['m_'],
          injectLabels: injected,
        });
        if (!result.ok) throw new Error(result.message);
        expect(labelsOf(result.text)).toEqual({ existing: 'e"x', ...injected });
      }),
      { numRuns: 300 },
    );
  });

  it('an existing label value of any content survives a round trip through validation', () => {
    fc.assert(
      fc.property(labelValue, (value) => {
        const escaped = value.replace(/[\\"\n]/g, (ch) => (ch === '\n' ? '\\n' : `\\${ch}`));
        const result = validateExpositionText(`x{v="${escaped}"} 1\n`);
        if (!result.ok) throw new Error(result.reason);
        expect(labelsOf(result.text)).toEqual({ v: value });
      }),
      { numRuns: 300 },
    );
  });
});
