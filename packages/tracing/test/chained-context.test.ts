import { ChainedContext, MAX_CHAIN_LENGTH, REQUEST_CONTEXT_KEY } from '@dynotel/core/internal';
import { type Context, createContextKey, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { describe, expect, test } from 'vitest';

/**
 * ChainedContext stands in for the API's Context on every request, so it must answer every read as the
 * API's Context would after the same writes, whatever their order, and stay immutable.
 */
// The request context's key among them: every link caches it, and must still answer as the API would.
const KEYS = [...['a', 'b', 'c', 'd'].map((name) => createContextKey(name)), REQUEST_CONTEXT_KEY];

/** A small deterministic generator, so that a failure can be replayed. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state / 2_147_483_648;
  };
}

function readAll(context: Context): unknown[] {
  return KEYS.map((key) => context.getValue(key));
}

describe('ChainedContext', () => {
  test('answers every read as the API Context does, over random writes and chain lengths', () => {
    const next = random(7);
    for (let run = 0; run < 300; run++) {
      const base = next() < 0.5 ? ROOT_CONTEXT : ROOT_CONTEXT.setValue(KEYS[0]!, 'base');
      // The first write chains; every later one goes through the Context interface, as callers do.
      let expected: Context = base;
      let actual: Context | undefined;
      const steps = 1 + Math.floor(next() * (MAX_CHAIN_LENGTH * 2 + 4));
      for (let step = 0; step < steps; step++) {
        const key = KEYS[Math.floor(next() * KEYS.length)]!;
        const remove = next() < 0.25;
        const value = next() < 0.1 ? undefined : { step };
        expected = remove ? expected.deleteValue(key) : expected.setValue(key, value);
        if (actual === undefined) actual = ChainedContext.set(base, key, remove ? undefined : value);
        else actual = remove ? actual.deleteValue(key) : actual.setValue(key, value);
        expect(readAll(actual)).toEqual(readAll(expected));
      }
    }
  });

  test('is immutable: a derived context leaves its parent as it was', () => {
    const [a, b] = KEYS as [symbol, symbol];
    const first = ChainedContext.set(ROOT_CONTEXT, a, 1);
    const second = first.setValue(a, 2).setValue(b, 3);
    const deleted = second.deleteValue(a);
    expect([first.getValue(a), first.getValue(b)]).toEqual([1, undefined]);
    expect([second.getValue(a), second.getValue(b)]).toEqual([2, 3]);
    expect([deleted.getValue(a), deleted.getValue(b)]).toEqual([undefined, 3]);
    expect(ROOT_CONTEXT.getValue(a)).toBeUndefined();
  });

  test('folds a chain longer than its limit into the base kind of context, values intact', () => {
    const key = KEYS[0]!;
    let context: Context = ChainedContext.set(ROOT_CONTEXT, KEYS[1]!, 'kept');
    for (let i = 0; i < MAX_CHAIN_LENGTH; i++) context = context.setValue(key, i);
    expect(context).not.toBeInstanceOf(ChainedContext);
    expect(context.getValue(key)).toBe(MAX_CHAIN_LENGTH - 1);
    expect(context.getValue(KEYS[1]!)).toBe('kept');
  });

  test("carries the API's span: trace.setSpan and trace.getSpan work through it", () => {
    const span = trace.wrapSpanContext({ traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), traceFlags: 1 });
    const context = trace.setSpan(ChainedContext.set(ROOT_CONTEXT, KEYS[0]!, 'request'), span);
    expect(context).toBeInstanceOf(ChainedContext);
    expect(trace.getSpan(context)).toBe(span);
    expect(trace.getSpan(trace.deleteSpan(context))).toBeUndefined();
    expect(context.getValue(KEYS[0]!)).toBe('request');
  });
});
