import { describe, expect, it } from 'vitest';
import { filterExposition } from '../src/foreign/filter.ts';

const text = [
  '# HELP vllm:x_total x',
  '# TYPE vllm:x_total counter',
  'vllm:x_total 1',
  '# HELP vllm:x_created x',
  '# TYPE vllm:x_created gauge',
  'vllm:x_created 1.7e+09',
  '# a comment',
  '',
  '# HELP vllm:y y',
  '# TYPE vllm:y histogram',
  'vllm:y_bucket{le="+Inf"} 1',
  'vllm:y_sum 1',
  'vllm:y_count 1',
  '# HELP python_gc_objects_total g',
  '# TYPE python_gc_objects_total counter',
  'python_gc_objects_total 100',
  '',
].join('\n');

describe("filterExposition: Dynamo's line-prefix semantics (prometheus.py L288-324)", () => {
  it('returns the text unchanged without filters, with a final line feed guaranteed', () => {
    expect(filterExposition(text)).toBe(text);
    expect(filterExposition('a 1')).toBe('a 1\n');
    expect(filterExposition('a 1', { includePrefixes: [], excludePrefixes: [] })).toBe('a 1\n');
    expect(filterExposition('')).toBe('');
  });

  it('include keeps every line starting with the prefix, including _created and _bucket lines', () => {
    const out = filterExposition(text, { includePrefixes: ['vllm:'] });
    expect(out).toContain('vllm:x_created 1.7e+09\n');
    expect(out).toContain('vllm:y_bucket{le="+Inf"} 1\n');
    expect(out).not.toContain('python_gc');
  });

  it('drops blank lines and comments other than HELP/TYPE when an include filter is active', () => {
    const out = filterExposition(text, { includePrefixes: ['vllm:'] });
    expect(out).not.toContain('# a comment');
    expect(out).not.toMatch(/\n\n/);
    expect(out.endsWith('\n')).toBe(true);
  });

  it('exclude keeps free comments but drops blank lines', () => {
    const out = filterExposition(text, { excludePrefixes: ['python_'] });
    expect(out).toContain('# a comment\n');
    expect(out).not.toMatch(/\n\n/);
    expect(out).not.toContain('python_gc');
  });

  it('exclude beats include', () => {
    const out = filterExposition(text, { includePrefixes: ['vllm:'], excludePrefixes: ['vllm:y'] });
    expect(out).toBe(
      [
        '# HELP vllm:x_total x',
        '# TYPE vllm:x_total counter',
        'vllm:x_total 1',
        '# HELP vllm:x_created x',
        '# TYPE vllm:x_created gauge',
        'vllm:x_created 1.7e+09',
        '',
      ].join('\n'),
    );
  });

  it('matches prefixes literally (they are regex-escaped in Dynamo)', () => {
    expect(filterExposition('axb 1\na.b 2\n', { includePrefixes: ['a.b'] })).toBe('a.b 2\n');
    expect(filterExposition('aa 1\n', { includePrefixes: ['a+'] })).toBe('');
  });

  it('also matches a prefix against the start of a metadata line itself', () => {
    // `^(# (HELP|TYPE) )?(prefix)` backtracks: `# HEL` matches the line without the optional group.
    expect(filterExposition('# HELP a x\na 1\n', { includePrefixes: ['# HEL'] })).toBe('# HELP a x\n');
  });

  it('returns an empty string when nothing is left', () => {
    expect(filterExposition(text, { includePrefixes: ['nothing_'] })).toBe('');
  });
});
