import { context, ROOT_CONTEXT, TraceFlags, trace } from '@opentelemetry/api';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import {
  extractTraceContext,
  injectTraceHeaders,
  isValidTraceStateKey,
  W3CTraceState,
} from '../src/index.ts';

const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
const SPAN_ID = 'b7ad6b7169203331';

/** The key grammar of the W3C test suite (tracecontext/tracestate.py), as the oracle. */
const KEY_ORACLE = /^[0-9a-z][_0-9a-z\-*/@]{0,255}$/;
const VALUE_ORACLE = /^[\x20-\x2b\x2d-\x3c\x3e-\x7e]{0,255}[\x21-\x2b\x2d-\x3c\x3e-\x7e]$/;

describe('W3CTraceState (Level 2)', () => {
  test('accepts the Level 2 keys that Level 1 rejected: digit first, any number of @', () => {
    const state = W3CTraceState.parse('foo@bar=1,1abc=2,foo@@bar=3,foo@bar@baz=4,foo@=5');
    expect(state?.entries()).toEqual([
      ['foo@bar', '1'],
      ['1abc', '2'],
      ['foo@@bar', '3'],
      ['foo@bar@baz', '4'],
      ['foo@', '5'],
    ]);
    // The old tenant/system split no longer limits either side.
    for (const key of [`${'t'.repeat(242)}@v`, `t@${'v'.repeat(15)}`, 'z'.repeat(256)]) {
      expect(W3CTraceState.parse(`${key}=1`)?.get(key)).toBe('1');
    }
  });

  test.each([
    ['a key starting with @', '@foo=1,bar=2'],
    ['an upper-case key', 'FOO=1'],
    ['a dot in a key', 'foo.bar=1'],
    ['a space in a key', 'foo =1'],
    ['an empty value', 'foo=,bar=3'],
    ['an = in a value', 'foo=bar=baz'],
    ['a 257-character key', `foo=1,${'z'.repeat(257)}=1`],
    ['33 members', Array.from({ length: 33 }, (_, i) => `k${i}=${i}`).join(',')],
  ])('discards the whole header with %s', (_, header) => {
    expect(W3CTraceState.parse(header)).toBeUndefined();
  });

  test('OWS around members and empty members are allowed; a duplicated key keeps its first value', () => {
    expect(W3CTraceState.parse('foo=1 \t , \t bar=2, \t baz=3,,')?.serialize()).toBe('foo=1,bar=2,baz=3');
    expect(W3CTraceState.parse('foo=1,foo=2')?.serialize()).toBe('foo=1');
    expect(W3CTraceState.parse('  ,  ')).toBeUndefined();
    expect(
      W3CTraceState.parse(Array.from({ length: 32 }, (_, i) => `k${i}=${i}`).join(','))?.entries(),
    ).toHaveLength(32);
  });

  test('set moves the key to the front, unset removes it, invalid input changes nothing', () => {
    const state = W3CTraceState.parse('a=1,b=2') as W3CTraceState;
    expect(state.set('b', '3').serialize()).toBe('b=3,a=1');
    expect(state.unset('a').serialize()).toBe('b=2');
    expect(state.set('B', '3')).toBe(state);
    expect(state.set('c', 'x,y')).toBe(state);
    expect(state.serialize()).toBe('a=1,b=2');
  });

  test('shortening past 512 characters removes members longer than 128 first, right-most first', () => {
    const long1 = `l1=${'x'.repeat(200)}`;
    const long2 = `l2=${'y'.repeat(200)}`;
    const shorts = Array.from({ length: 10 }, (_, i) => `s${i}=${'v'.repeat(20)}`);
    const state = W3CTraceState.parse(
      [shorts[0], long1, ...shorts.slice(1, 5), long2, ...shorts.slice(5)].join(','),
    );
    const serialized = state?.serialize() as string;
    expect(serialized.length).toBeLessThanOrEqual(512);
    // Removing long2 alone is not enough (10 × 23 + 203 + 10 commas = 443 fits): long2 goes, long1 stays.
    expect(serialized).toBe([shorts[0], long1, ...shorts.slice(1)].join(','));
    // Without long members the right end goes first.
    const many = Array.from({ length: 30 }, (_, i) => `k${String(i).padStart(2, '0')}=${'v'.repeat(20)}`);
    const cut = W3CTraceState.parse(many.join(','))?.serialize() as string;
    expect(cut.length).toBeLessThanOrEqual(512);
    expect(many.join(',').startsWith(cut)).toBe(true);
    expect(cut.split(',')).toHaveLength(20);
  });

  test('property: keys agree with the test suite grammar', () => {
    const unit = fc.constantFrom(...'az09_-*/@A.= \t'.split(''));
    fc.assert(
      fc.property(fc.string({ unit, minLength: 0, maxLength: 300 }), (key) => {
        expect(isValidTraceStateKey(key)).toBe(KEY_ORACLE.test(key));
      }),
    );
  });

  test('property: a parsed header serialises to its valid members and parses back to the same', () => {
    const key = fc.stringMatching(/^[0-9a-z][_0-9a-z\-*/@]{0,20}$/);
    const value = fc.stringMatching(/^[\x20-\x2b\x2d-\x3c\x3e-\x7e]{0,20}[\x21-\x2b\x2d-\x3c\x3e-\x7e]$/);
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.tuple(key, value), { selector: ([k]) => k, minLength: 1, maxLength: 32 }),
        (members) => {
          const header = members.map(([k, v]) => `${k}=${v}`).join(' ,\t');
          const state = W3CTraceState.parse(header);
          expect(state?.entries()).toEqual(members);
          for (const [, v] of members) expect(VALUE_ORACLE.test(v)).toBe(true);
          const serialized = state?.serialize() as string;
          expect(serialized.length).toBeLessThanOrEqual(512);
          expect(W3CTraceState.parse(serialized)?.serialize()).toBe(serialized);
        },
      ),
    );
  });
});

describe('Level 2 random flag through the propagator', () => {
  test('an incoming random flag is kept on the traceparent of a local child span', () => {
    const parent = extractTraceContext({ traceparent: `00-${TRACE_ID}-${SPAN_ID}-03` }, ROOT_CONTEXT);
    const child = trace.setSpanContext(parent, {
      traceId: TRACE_ID,
      spanId: '1111111111111111',
      traceFlags: TraceFlags.SAMPLED, // what the SDK gives a child: the sampled flag only
    });
    expect(injectTraceHeaders<Record<string, string>>(undefined, { context: child }).traceparent).toBe(
      `00-${TRACE_ID}-1111111111111111-03`,
    );
  });

  test('an incoming traceparent without it stays without it; pass-through keeps the flags as they came', () => {
    const parent = extractTraceContext({ traceparent: `00-${TRACE_ID}-${SPAN_ID}-01` }, ROOT_CONTEXT);
    const child = trace.setSpanContext(parent, {
      traceId: TRACE_ID,
      spanId: '1111111111111111',
      traceFlags: TraceFlags.SAMPLED,
    });
    expect(injectTraceHeaders<Record<string, string>>(undefined, { context: child }).traceparent).toBe(
      `00-${TRACE_ID}-1111111111111111-01`,
    );
    for (const flags of ['00', '01', '02', '03']) {
      const incoming = `00-${TRACE_ID}-${SPAN_ID}-${flags}`;
      const passed = context.with(ROOT_CONTEXT, () =>
        injectTraceHeaders<Record<string, string>>(undefined, {
          context: extractTraceContext({ traceparent: incoming }, ROOT_CONTEXT),
        }),
      );
      expect(passed.traceparent).toBe(incoming);
    }
  });

  test('L2 tracestate keys survive extract and inject', () => {
    const ctx = extractTraceContext(
      { traceparent: `00-${TRACE_ID}-${SPAN_ID}-01`, tracestate: ['foo@bar=1', '9lives=2'] },
      ROOT_CONTEXT,
    );
    expect(injectTraceHeaders<Record<string, string>>(undefined, { context: ctx }).tracestate).toBe(
      'foo@bar=1,9lives=2',
    );
  });
});
