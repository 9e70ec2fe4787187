import { type DiagnosticRecord, diag, selfMetrics } from '@dynotel/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { processForeignText } from '../src/foreign/process.ts';

const dropped = (reason: string) =>
  selfMetrics.counter('dynotel_metrics_foreign_text_dropped_total', '').get({ reason });

let records: DiagnosticRecord[] = [];
beforeEach(() => {
  selfMetrics.reset();
  diag.reset();
  records = [];
  diag.setSink((record) => records.push(record));
});
afterEach(() => diag.reset());

describe('processForeignText', () => {
  it('drops a broken source alone, says why with the line number, counts it and warns once', () => {
    const bad = 'good 1\nbroken{label="unterminated} 1\n';
    const first = processForeignText(bad, { source: 'vllm' });
    expect(first).toEqual({ ok: false, reason: 'invalid_text', message: expect.stringMatching(/^line 2: /) });
    processForeignText(bad, { source: 'vllm' });
    expect(dropped('invalid_text')).toBe(2);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ level: 'warn', fields: { reason: 'invalid_text', source: 'vllm' } });
    // A good source processed afterwards is unaffected.
    expect(processForeignText('good 1\n')).toEqual({ ok: true, text: 'good 1\n' });
  });

  it('drops text that the prefix filter cuts into an invalid family', () => {
    const text = '# TYPE h histogram\nh_bucket{le="1"} 1\nh_bucket{le="+Inf"} 1\nh_sum 1\nh_count 1\n';
    const result = processForeignText(text, { excludePrefixes: ['h_bucket{le="+Inf"'] });
    expect(result).toMatchObject({ ok: false, reason: 'invalid_after_filter' });
    expect(dropped('invalid_after_filter')).toBe(1);
  });

  it('filters and injects OpenMetrics input and returns 0.0.4 text', () => {
    const text = '# TYPE vllm:a counter\nvllm:a_total 3 # {t="x"} 1\n# TYPE other gauge\nother 1\n# EOF\n';
    expect(processForeignText(text, { includePrefixes: ['vllm:'], injectLabels: { model: 'm' } })).toEqual({
      ok: true,
      text: '# TYPE vllm:a_total counter\nvllm:a_total{model="m"} 3\n',
    });
  });

  it('a filter that removes everything gives empty, valid text', () => {
    expect(processForeignText('a 1\n', { includePrefixes: ['zzz'] })).toEqual({ ok: true, text: '' });
  });

  it('drops a last line without its line feed as cut, and counts it (Dynamo appends a line feed)', () => {
    const before = selfMetrics
      .collect()
      .find((f) => f.name === 'dynotel_metrics_foreign_lines_dropped_total')
      ?.samples.find((s) => s.labels.reason === 'unterminated')?.value;
    expect(processForeignText('a 1\neng_nolf 12', {})).toEqual({ ok: true, text: 'a 1\n' });
    expect(processForeignText('eng_nolf 12', {})).toEqual({ ok: true, text: '' });
    const after = selfMetrics
      .collect()
      .find((f) => f.name === 'dynotel_metrics_foreign_lines_dropped_total')
      ?.samples.find((s) => s.labels.reason === 'unterminated')?.value;
    expect((after ?? 0) - (before ?? 0)).toBe(2);
  });

  it('never throws, even for a non-string', () => {
    expect(processForeignText(undefined as unknown as string)).toMatchObject({
      ok: false,
      reason: 'invalid_text',
    });
  });

  it('rejects bad labels to inject before looking at the text', () => {
    expect(processForeignText('a 1\n', { injectLabels: { 'bad-name': 'x' } })).toMatchObject({
      ok: false,
      reason: 'invalid_labels',
    });
    expect(dropped('invalid_labels')).toBe(1);
  });
});

describe('processForeignText size limit', () => {
  it('drops text past maxBytes (UTF-8) before parsing, and counts it', () => {
    const before = dropped('too_large');
    expect(processForeignText('a 1\n', { maxBytes: 3 })).toMatchObject({ ok: false, reason: 'too_large' });
    // Four characters, five UTF-8 bytes: the bytes count, not the characters.
    expect(processForeignText('é 1\n', { maxBytes: 4 })).toMatchObject({ ok: false, reason: 'too_large' });
    expect(processForeignText('a 1\n', { maxBytes: 4 })).toEqual({ ok: true, text: 'a 1\n' });
    expect(dropped('too_large') - before).toBe(2);
  });
});
