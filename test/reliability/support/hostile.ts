import fc from 'fast-check';

/**
 * Arbitraries for hostile input. Header values are what an HTTP/1.1 client can put on the wire:
 * TAB, visible ASCII, space and obs-text (0x80-0xFF as latin1); Node's own client refuses CR, LF and NUL.
 */
const headerChar = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)) },
  { weight: 1, arbitrary: fc.integer({ min: 0x80, max: 0xff }).map((c) => String.fromCharCode(c)) },
  { weight: 1, arbitrary: fc.constant('\t') },
);
const nastyPieces = fc.constantFrom(
  '"',
  '\\',
  '{',
  '}',
  '=',
  ',',
  ';',
  ' ',
  '%0a',
  '\\n',
  '$(',
  '<script>',
  '../',
  '-',
  '00',
  'ff',
  '\u00e9',
  'q=',
);
export const headerValue = (maxLength = 200): fc.Arbitrary<string> =>
  fc.oneof(
    fc.string({ unit: headerChar, maxLength }),
    fc.array(nastyPieces, { maxLength: 30 }).map((parts) => parts.join('')),
    fc.string({ unit: headerChar, minLength: 2000, maxLength: 8000 }),
  );

const hex = (length: number) =>
  fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: length, maxLength: length });
const anyHex = (length: number) =>
  fc.string({
    unit: fc.constantFrom(...'0123456789abcdefABCDEFxg'),
    minLength: length - 1,
    maxLength: length + 1,
  });
const ows = fc.constantFrom('', ' ', '\t', ' \t');

/** traceparent values: valid ones, near-misses of every field, and noise. */
export const traceparent: fc.Arbitrary<string> = fc.oneof(
  // Valid ones (any version but ff, a future version with a `-` suffix), with optional whitespace.
  fc
    .record({
      pre: ows,
      version: fc.oneof(
        fc.constant('00'),
        hex(2).filter((v) => v !== 'ff'),
      ),
      traceId: hex(32).filter((id) => !/^0+$/.test(id)),
      parentId: hex(16).filter((id) => !/^0+$/.test(id)),
      flags: hex(2),
      post: ows,
    })
    .map(
      (p) =>
        `${p.pre}${p.version}-${p.traceId}-${p.parentId}-${p.flags}${p.version === '00' ? '' : '-future'}${p.post}`,
    ),
  fc
    .record({
      pre: ows,
      version: fc.oneof(fc.constant('00'), hex(2), anyHex(2)),
      traceId: fc.oneof(hex(32), fc.constant('0'.repeat(32)), anyHex(32)),
      parentId: fc.oneof(hex(16), fc.constant('0'.repeat(16)), anyHex(16)),
      flags: fc.oneof(fc.constantFrom('00', '01'), hex(2), anyHex(2)),
      suffix: fc.oneof(
        fc.constant(''),
        fc.constant(''),
        headerValue(20).map((s) => `-${s}`),
        headerValue(5),
      ),
      post: ows,
    })
    .map((p) => `${p.pre}${p.version}-${p.traceId}-${p.parentId}-${p.flags}${p.suffix}${p.post}`),
  headerValue(80),
);

export const tracestate: fc.Arbitrary<string> = fc.oneof(
  fc
    .array(
      fc.tuple(
        fc.stringMatching(/^[a-z][a-z0-9_*/-]{0,20}(@[a-z][a-z0-9_*/-]{0,10})?$/),
        fc.string({ unit: headerChar, maxLength: 30 }),
      ),
      { maxLength: 40 },
    )
    .map((members) => members.map(([k, v]) => `${k}=${v}`).join(',')),
  headerValue(600),
);

const mediaType = fc.constantFrom(
  'application/openmetrics-text',
  'application/openmetrics-text; version=1.0.0',
  'application/openmetrics-text; version=0.0.1',
  'application/openmetrics-text; version=2.0.0',
  'text/plain',
  'text/plain; version=0.0.4',
  'text/plain; version=1.0.0; escaping=allow-utf-8',
  'application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited',
  '*/*',
  'text/*',
  'application/json',
  '',
);
export const accept: fc.Arbitrary<string> = fc.oneof(
  fc
    .array(
      fc.tuple(
        mediaType,
        fc.oneof(
          fc.constant(''),
          fc.double({ noNaN: false }).map((q) => `;q=${q}`),
          headerValue(8),
        ),
      ),
      { maxLength: 6 },
    )
    .map((items) => items.map(([type, q]) => `${type}${q}`).join(', ')),
  headerValue(100),
);

/** What Node's server sees for a value: leading/trailing spaces and tabs removed. */
export function owsTrimmed(value: string): string {
  return value.replace(/^[ \t]+|[ \t]+$/g, '');
}

/** W3C trace-context §3.2 (and §3.2.4 versioning): the trace id a conforming parser takes, or undefined. */
export function referenceTraceId(value: string): string | undefined {
  const match = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})([\s\S]*)$/.exec(
    owsTrimmed(value),
  );
  if (match === null) return undefined;
  const [, version, traceId, parentId, , rest] = match;
  if (version === 'ff' || /^0+$/.test(traceId!) || /^0+$/.test(parentId!)) return undefined;
  if (version === '00' ? rest !== '' : rest !== '' && !rest!.startsWith('-')) return undefined;
  return traceId;
}

// ---------------------------------------------------------------------------------------------------
// Exposition text: label values and HELP texts (hostile-encoders.test.ts).

/** A lone (unpaired) surrogate: what invalid UTF-8 looks like once it is a JS string. */
export const loneSurrogate: fc.Arbitrary<string> = fc
  .integer({ min: 0xd800, max: 0xdfff })
  .map((code) => String.fromCharCode(code));

/** The characters that break naive exposition writers and parsers, and a few that break naive readers. */
const expositionPieces = fc.constantFrom(
  '\\',
  '"',
  '\n',
  '\r',
  '\r\n',
  '\u0000',
  '\t',
  '\\n',
  '\\"',
  '\\\\',
  '} 1\n',
  '\n# EOF\n',
  '# HELP x y',
  '{',
  '}',
  ',',
  '=',
  ' ',
  '\u2028',
  '\u2029',
  '\u0085',
  '\ufeff',
  '\u00e9',
  '\u{1f389}',
  'le="+Inf"',
);

/**
 * Exposition text pieces: any Unicode (including lone surrogates), the special characters of the
 * formats, empty, and very long (past the 1 KiB label value cap). `minLength` 1 for HELP texts.
 */
export const expositionText = (minLength = 0): fc.Arbitrary<string> =>
  fc.oneof(
    { weight: 3, arbitrary: fc.string({ unit: 'binary', minLength, maxLength: 40 }) },
    {
      weight: 3,
      arbitrary: fc.string({ unit: fc.oneof(expositionPieces, loneSurrogate), minLength, maxLength: 20 }),
    },
    { weight: 1, arbitrary: fc.string({ unit: 'grapheme', minLength, maxLength: 20 }) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.string({ unit: 'binary', minLength: 1, maxLength: 8 }), fc.integer({ min: 200, max: 1200 }))
        .map(([piece, times]) => piece.repeat(times)),
    },
  );

/** Lone surrogates replaced by U+FFFD (String#toWellFormed, ES2024, by iterating code points). */
export function wellFormed(text: string): string {
  let out = '';
  for (const point of text) {
    const code = point.codePointAt(0) as number;
    out += code >= 0xd800 && code <= 0xdfff ? '\ufffd' : point;
  }
  return out;
}

/**
 * What the registry documents for a label value (`normaliseLabelValue`): lone surrogates become U+FFFD,
 * then the value is cut to `max` UTF-16 units without splitting a surrogate pair. Written here
 * independently of the implementation.
 */
export function expectedLabelValue(raw: string, max = 1024): { value: string; truncated: boolean } {
  const value = wellFormed(raw);
  if (value.length <= max) return { value, truncated: false };
  const cut = /[\uD800-\uDBFF]/.test(value[max - 1] ?? '') ? max - 1 : max;
  return { value: value.slice(0, cut), truncated: true };
}
