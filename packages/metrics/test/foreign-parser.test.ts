import { describe, expect, it } from 'vitest';
import { parseExposition } from '../src/foreign/parser.ts';
import { validateExpositionText } from '../src/foreign/validate.ts';

function rejects(text: string, format: 'text' | 'openmetrics' | 'auto' = 'auto') {
  const result = parseExposition(text, { format });
  expect(result.ok, `expected a parse error for ${JSON.stringify(text)}`).toBe(false);
  if (result.ok) throw new Error('unreachable');
  return result.error;
}

function parses(text: string, format: 'text' | 'openmetrics' | 'auto' = 'auto') {
  const result = parseExposition(text, { format });
  if (!result.ok) throw new Error(`unexpected error at line ${result.error.line}: ${result.error.message}`);
  return result.exposition;
}

describe('parseExposition: text 0.0.4 accepted input', () => {
  it('parses HELP, TYPE, labels, escapes, special values and timestamps', () => {
    const exposition = parses(
      [
        '# HELP http_requests_total The total \\\\ number\\nof requests "quoted".',
        '# TYPE http_requests_total counter',
        'http_requests_total{method="post",code="200"} 1027 1395066363000',
        'http_requests_total{method="post",code="400"}    3 1395066363000',
        '# a free comment',
        '',
        'msdos_file_access_time_seconds{path="C:\\\\DIR\\\\FILE.TXT",error="Cannot find file:\\n\\"FILE.TXT\\""} 1.458255915e9',
        'metric_without_timestamp_and_labels 12.47',
        'something_weird{problem="division by zero"} +Inf -3982045',
        'nan_value NaN',
        'neg_inf\t-Inf',
        'trailing_comma{a="b",} 1',
        '',
      ].join('\n'),
    );
    expect(exposition.format).toBe('text');
    const [requests, files, plain, weird, nan, negInf, trailing] = exposition.families;
    expect(requests).toMatchObject({
      name: 'http_requests_total',
      type: 'counter',
      typeDeclared: true,
      help: 'The total \\ number\nof requests "quoted".',
    });
    expect(requests?.samples[1]).toMatchObject({ value: 3, timestampMs: 1395066363000 });
    expect(files?.samples[0]?.labels).toEqual([
      { name: 'path', value: 'C:\\DIR\\FILE.TXT' },
      { name: 'error', value: 'Cannot find file:\n"FILE.TXT"' },
    ]);
    expect(files?.type).toBe('untyped');
    expect(plain?.samples[0]?.value).toBe(12.47);
    expect(weird?.samples[0]).toMatchObject({ value: Number.POSITIVE_INFINITY, timestampMs: -3982045 });
    expect(nan?.samples[0]?.value).toBeNaN();
    expect(negInf?.samples[0]?.value).toBe(Number.NEGATIVE_INFINITY);
    expect(trailing?.samples[0]?.labels).toEqual([{ name: 'a', value: 'b' }]);
  });

  it('accepts a histogram and a summary with their suffixes', () => {
    const exposition = parses(
      [
        '# TYPE rpc_duration_seconds summary',
        'rpc_duration_seconds{quantile="0.5"} 4773',
        'rpc_duration_seconds{quantile="0.99"} 76656',
        'rpc_duration_seconds_sum 1.7560473e+07',
        'rpc_duration_seconds_count 2693',
        '# TYPE http_request_duration_seconds histogram',
        'http_request_duration_seconds_bucket{le="0.05"} 24054',
        'http_request_duration_seconds_bucket{le="0.1"} 33444',
        'http_request_duration_seconds_bucket{le="+Inf"} 144320',
        'http_request_duration_seconds_sum 53423',
        'http_request_duration_seconds_count 144320',
        '',
      ].join('\n'),
    );
    expect(exposition.families.map((f) => [f.name, f.type, f.samples.length])).toEqual([
      ['rpc_duration_seconds', 'summary', 4],
      ['http_request_duration_seconds', 'histogram', 5],
    ]);
  });

  it('keeps a label value that contains braces and hashes', () => {
    const exposition = parses('foo{bar="} foo # bar # "} 1\n');
    expect(exposition.families[0]?.samples[0]?.labels).toEqual([{ name: 'bar', value: '} foo # bar # ' }]);
  });

  it('accepts empty text and metadata without samples', () => {
    expect(parses('', 'text').families).toEqual([]);
    expect(parses('# HELP lonely x\n# TYPE lonely gauge\n').families[0]?.samples).toEqual([]);
  });

  it('supports NUL and multi-byte characters in label values', () => {
    const exposition = parses('a{v="x\u0000y",w="日本🎉"} 1\n');
    expect(exposition.families[0]?.samples[0]?.labels.map((l) => l.value)).toEqual(['x\u0000y', '日本🎉']);
  });
});

describe('parseExposition: text 0.0.4 rejections (prometheus/common text_parse_test.go and the spec)', () => {
  const cases: Array<[string, string, RegExp]> = [
    ['no trailing line feed', 'a 1', /line feed/],
    ['\\t escape in a label value', 'metric{label="\\t"} 3.14\n', /invalid escape sequence '\\t'/],
    ['raw newline inside a label value', 'metric{label="new\nline"} 3.14\n', /unterminated/],
    ['bad label name', 'metric{@="bla"} 3.14\n', /invalid label name/],
    ['reserved __name__', 'metric{__name__="bla"} 3.14\n', /__name__/],
    ['label+=', 'metric{label+="bla"} 3.14\n', /expected '='/],
    ['unquoted label value', 'metric{label=bla} 3.14\n', /must be quoted/],
    ['quantile that is not a float', '# TYPE m summary\nm{quantile="bla"} 3.14\n', /invalid 'quantile'/],
    ['float timestamp', 'metric 3.14 1.5\n', /invalid timestamp/],
    ['junk after the timestamp', 'metric 3.14 2 3\n', /after the timestamp/],
    ['non-numeric value', 'metric blubb\n', /invalid sample value/],
    ['second HELP', '# HELP metric one\n# HELP metric two\n', /second # HELP/],
    ['second TYPE', '# TYPE metric counter\n# TYPE metric untyped\n', /second # TYPE/],
    ['TYPE after samples', 'metric 4.12\n# TYPE metric counter\n', /after its samples/],
    ['unknown type', '# TYPE metric bla\n', /unknown type 'bla'/],
    ['invalid metric name in TYPE', '# TYPE met-ric counter\n', /invalid metric name/],
    ['invalid metric name in a sample', '@invalidmetric{label="bla"} 3.14 2\n', /invalid metric name/],
    ['metric name starting with a digit', '123 1\n', /invalid metric name/],
    ['le that is not a float', '# TYPE m histogram\nm_bucket{le="bla"} 3.14\n', /invalid 'le'/],
    [
      'invalid UTF-8 (unpaired surrogate) in a label value',
      'metric{label="\uDCBD"} 3.14\n',
      /not valid UTF-8/,
    ],
    ['Go-only number 1_2', 'metric 1_2\n', /invalid sample value/],
    ['Go-only hex float', 'metric 0x1p-3\n', /invalid sample value/],
    ['Go-only binary', 'metric 0b1\n', /invalid sample value/],
    ['duplicate label name', 'metric{a="1",a="2"} 1\n', /duplicate label name 'a'/],
    ['quoted metric name (UTF-8 names)', '{"my.metric"} 1\n', /quoted/],
    ['negative bucket', '# TYPE h histogram\nh_bucket{le="+Inf"} -1\nh_count -1\n', /negative/],
    ['negative count', '# TYPE h histogram\nh_bucket{le="+Inf"} 1\nh_count -1\n', /negative/],
    ['histogram without +Inf', '# TYPE h histogram\nh_bucket{le="1"} 1\nh_count 1\n', /\+Inf/],
    [
      'buckets out of order',
      '# TYPE h histogram\nh_bucket{le="2"} 1\nh_bucket{le="1"} 1\nh_bucket{le="+Inf"} 1\n',
      /increasing/,
    ],
    [
      'decreasing bucket counts',
      '# TYPE h histogram\nh_bucket{le="1"} 2\nh_bucket{le="+Inf"} 1\n',
      /decrease/,
    ],
    [
      '_count different from +Inf',
      '# TYPE h histogram\nh_bucket{le="+Inf"} 2\nh_count 3\n',
      /_count must equal/,
    ],
    [
      'le on a histogram _sum',
      '# TYPE h histogram\nh_bucket{le="+Inf"} 2\nh_sum{le="1"} 3\n',
      /only buckets/,
    ],
    ['quantile on a summary _count', '# TYPE s summary\ns_count{quantile="0.5"} 3\n', /only quantiles/],
    ['duplicate series', 'a{x="1"} 1\na{x="1"} 2\n', /duplicate series/],
    ['interleaved families', 'a 1\nb 2\na{x="1"} 3\n', /interleaved/],
    ['HELP for an ended family', 'a 1\nb 2\n# HELP a late\n', /interleaved/],
    [
      'sample name clashing with a histogram suffix',
      '# TYPE h histogram\nh_bucket{le="+Inf"} 1\ng 1\nh_count 1\n',
      /clashes/,
    ],
    [
      'family clashing with a histogram suffix',
      '# TYPE h histogram\nh_bucket{le="+Inf"} 1\n# TYPE h_count gauge\n',
      /clashes/,
    ],
    ['byte order mark', '\uFEFFa 1\n', /byte order mark/],
    ['carriage return line endings', 'a 1\r\n', /invalid sample value/],
    ['invalid HELP escape', '# HELP a bad \\t escape\n', /invalid escape/],
  ];
  it.each(cases)('rejects %s', (_name, text, message) => {
    expect(rejects(text, 'text').message).toMatch(message);
  });

  it('reports the line number of the offending line', () => {
    expect(rejects('a 1\nb 2\nc{x="\\q"} 3\n').line).toBe(3);
    expect(rejects('# TYPE h histogram\nh_bucket{le="1"} 1\nh_sum 1\nh_count 1\n').line).toBe(4);
  });
});

describe('parseExposition: OpenMetrics 1.0', () => {
  const om = (lines: string[]) => `${lines.join('\n')}\n`;

  it('is chosen automatically by the # EOF line and maps counter samples onto their family', () => {
    const exposition = parses(
      om([
        '# TYPE foo counter',
        '# HELP foo Some "help"\\n text',
        'foo_total{a="b"} 17.0 1520879607.789 # {trace_id="KOO5S4vxi0o"} 0.67 1520879606.1',
        'foo_created{a="b"} 1520430000.123',
        '# TYPE foo_seconds gauge',
        '# UNIT foo_seconds seconds',
        'foo_seconds 1',
        '# TYPE hist histogram',
        'hist_bucket{le="0.1"} 8 # {id="x"} 0.05',
        'hist_bucket{le="+Inf"} 17',
        'hist_count 17',
        'hist_sum 324789.3',
        'hist_created 1520430000.123',
        '# TYPE gh gaugehistogram',
        'gh_bucket{le="+Inf"} 3',
        'gh_gcount 3',
        'gh_gsum 2',
        '# TYPE build info',
        'build_info{version="1.2"} 1',
        '# TYPE state stateset',
        'state{state="a"} 1',
        'state{state="b"} 0',
        'unknown_thing 1',
        '# EOF',
      ]),
    );
    expect(exposition.format).toBe('openmetrics');
    const foo = exposition.families[0];
    expect(foo).toMatchObject({ name: 'foo', type: 'counter', help: 'Some "help"\n text' });
    expect(foo?.samples[0]).toMatchObject({
      name: 'foo_total',
      // The exemplar's label set is read after the sample's: each keeps its own labels.
      labels: [{ name: 'a', value: 'b' }],
      value: 17,
      timestampMs: 1520879607789,
      exemplar: {
        labels: [{ name: 'trace_id', value: 'KOO5S4vxi0o' }],
        value: 0.67,
        timestampSeconds: 1520879606.1,
      },
    });
    expect(exposition.families.map((f) => [f.name, f.type, f.unit])).toEqual([
      ['foo', 'counter', undefined],
      ['foo_seconds', 'gauge', 'seconds'],
      ['hist', 'histogram', undefined],
      ['gh', 'gaugehistogram', undefined],
      ['build', 'info', undefined],
      ['state', 'stateset', undefined],
      ['unknown_thing', 'unknown', undefined],
    ]);
  });

  it.each([
    ['label escaping', 'a{foo="\\"\\n\\\\"} 1\n# EOF\n', { foo: '"\n\\' }],
    ['labels with curly braces', 'foo{bar="{",baz="}"} 1\n# EOF\n', { bar: '{', baz: '}' }],
    ['hash in a label value', 'foo{bar="} foo # bar # "} 1\n# EOF\n', { bar: '} foo # bar # ' }],
    ['a null byte', 'a{b="\u0000"} 1\n# EOF\n', { b: '\u0000' }],
  ])('accepts the OpenMetrics conformance case: %s', (_name, text, labels) => {
    const exposition = parses(text, 'openmetrics');
    const sample = exposition.families[0]?.samples[0];
    expect(Object.fromEntries((sample?.labels ?? []).map((l) => [l.name, l.value]))).toEqual(labels);
  });

  it('accepts NaN and infinite gauge values and escaped HELP in OpenMetrics', () => {
    const exposition = parses(
      '# TYPE a gauge\n# HELP a x \\" \\\\ \\n y\na NaN\na{b="c"} +Inf\na{b="d"} -Inf\n# EOF\n',
    );
    const [a] = exposition.families;
    expect(a?.help).toBe('x " \\ \n y');
    expect(a?.samples.map((s) => s.value)).toEqual([
      Number.NaN,
      Number.POSITIVE_INFINITY,
      Number.NEGATIVE_INFINITY,
    ]);
  });

  it('accepts # EOF without a final line feed and an empty metric set', () => {
    expect(parses('a 1\n# EOF').families).toHaveLength(1);
    expect(parses('# EOF\n').families).toEqual([]);
  });

  const cases: Array<[string, string, RegExp]> = [
    ['missing # EOF', 'a 1\n', /EOF/],
    ['text after # EOF', 'a 1\n# EOF\nb 1\n# EOF\n', /last line/],
    ['a blank line', 'a 1\n\nb 1\n# EOF\n', /blank/],
    ['a free comment', '# hello\na 1\n# EOF\n', /no comments/],
    ['two spaces before the value', 'a  1\n# EOF\n', /more than one space/],
    ['a tab separator', 'a\t1\n# EOF\n', /space/],
    ['a trailing comma in labels', 'a{b="c",} 1\n# EOF\n', /trailing comma/],
    ['a counter without _total', '# TYPE c counter\nc 1\n# EOF\n', /does not fit/],
    ['a negative counter', '# TYPE c counter\nc_total -1\n# EOF\n', /negative/],
    ['a NaN counter', '# TYPE c counter\nc_total NaN\n# EOF\n', /NaN/],
    ['a histogram without buckets', '# TYPE h histogram\nh_count 1\nh_sum 1\n# EOF\n', /\+Inf/],
    ['a fractional bucket', '# TYPE h histogram\nh_bucket{le="+Inf"} 1.5\n# EOF\n', /integer/],
    ['an exemplar on a gauge', '# TYPE g gauge\ng 1 # {a="b"} 1\n# EOF\n', /exemplars/],
    [
      'an exemplar over 128 code points',
      `# TYPE c counter\nc_total 1 # {a="${'x'.repeat(128)}"} 1\n# EOF\n`,
      /128/,
    ],
    ['a unit that is not a suffix', '# TYPE a_bytes gauge\n# UNIT a_bytes seconds\n# EOF\n', /suffix/],
    ['an unknown type', '# TYPE a untyped\n# EOF\n', /unknown type/],
    ['a quantile above 1', '# TYPE s summary\ns{quantile="1.5"} 1\n# EOF\n', /quantile/],
    ['a stateset value of 2', '# TYPE s stateset\ns{s="a"} 2\n# EOF\n', /0 or 1/],
    ['an integer-millisecond style bad timestamp', 'a 1 NaN\n# EOF\n', /timestamp/],
    ['clashing names', '# TYPE a counter\na_total 1\n# TYPE a_total gauge\n# EOF\n', /clashes/],
  ];
  it.each(cases)('rejects %s', (_name, text, message) => {
    expect(rejects(text, 'openmetrics').message).toMatch(message);
  });
});

describe('validateExpositionText', () => {
  it('returns canonical 0.0.4 text for valid input and adds a missing final line feed', () => {
    expect(validateExpositionText('# TYPE a gauge\na{x="1"}   2.50\n')).toEqual({
      ok: true,
      text: '# TYPE a gauge\na{x="1"} 2.5\n',
    });
    expect(validateExpositionText('a 1')).toEqual({ ok: true, text: 'a 1\n' });
    expect(validateExpositionText('')).toEqual({ ok: true, text: '' });
  });

  it('converts OpenMetrics to 0.0.4 the way prometheus_client writes 0.0.4', () => {
    const result = validateExpositionText(
      '# TYPE foo counter\n# HELP foo Foo\nfoo_total 1 # {a="b"} 1\nfoo_created 12.5\n# TYPE i info\ni_info{v="1"} 1\n# EOF\n',
    );
    expect(result).toEqual({
      ok: true,
      text: [
        '# HELP foo_total Foo',
        '# TYPE foo_total counter',
        'foo_total 1',
        '# HELP foo_created Foo',
        '# TYPE foo_created gauge',
        'foo_created 12.5',
        '# TYPE i_info gauge',
        'i_info{v="1"} 1',
        '',
      ].join('\n'),
    });
  });

  it('gives the reason with the line number', () => {
    expect(validateExpositionText('ok 1\nbad{ 1\n')).toEqual({
      ok: false,
      reason: expect.stringMatching(/^line 2: /),
    });
  });

  it('never throws, even for a non-string', () => {
    expect(validateExpositionText(42 as unknown as string)).toEqual({
      ok: false,
      reason: expect.any(String),
    });
  });

  it('rejects what would be a forged series (an injected quote and newline cannot survive)', () => {
    expect(validateExpositionText('a{v="x"} 1\nevil_total{a="b"} 1\n').ok).toBe(true);
    expect(validateExpositionText('a{v="x"} 1\nevil_total{a="b} 1\n').ok).toBe(false);
  });
});
