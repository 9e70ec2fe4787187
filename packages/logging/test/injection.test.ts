import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../src/index.ts';
import { capture } from './support/capture.ts';

// Any of these inside a line would let a line-oriented reader (Loki, Fluent Bit, Python splitlines, a
// terminal) split or rewrite it.
const RAW_UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function jsonLogger(maxFieldLength?: number) {
  const out = capture();
  const logger = createLogger({
    format: 'jsonl',
    destination: out.stream,
    logUncaughtExceptions: false,
    level: 'trace',
    ...(maxFieldLength === undefined ? {} : { maxFieldLength }),
  });
  return { out, logger };
}

function expectOneSafeLinePerCall(text: string, calls: number): Array<Record<string, unknown>> {
  const lines = text.split('\n');
  expect(lines.at(-1)).toBe('');
  expect(lines).toHaveLength(calls + 1);
  return lines.slice(0, -1).map((line) => {
    expect(line).not.toMatch(RAW_UNSAFE);
    expect(line).not.toMatch(LONE_SURROGATE);
    return JSON.parse(line) as Record<string, unknown>;
  });
}

describe('every call writes exactly one valid JSON line', () => {
  it('escapes CR/LF, control characters, U+2028/2029, C1 controls and lone surrogates', () => {
    const { out, logger } = jsonLogger();
    const nasty = 'a\r\nb\u0000c\u001b[31md\u2028e\u2029f\u0085g\u009bh\ud800i\udfffj"k\\l\u007f';
    logger.info({ [nasty]: nasty, nested: { deep: [nasty] } }, nasty);
    const [record] = expectOneSafeLinePerCall(out.text(), 1);
    expect(record?.message).toBe(nasty); // lone surrogates travel escaped (\ud800), so they round-trip
    expect(record?.[nasty]).toBeDefined();
    expect((record?.nested as { deep?: string[] } | undefined)?.deep?.[0]).toBe(record?.message);
  });

  it('survives arbitrary strings and values (property test)', () => {
    const value = fc.oneof(
      fc.string({ unit: 'binary' }),
      fc.string({ unit: 'grapheme' }),
      fc.double(),
      fc.bigInt(),
      fc.boolean(),
      fc.constant(null),
      fc.constant(undefined),
      fc.date({ noInvalidDate: false }),
      fc.array(fc.string({ unit: 'binary' }), { maxLength: 3 }),
      fc.dictionary(fc.string({ unit: 'binary' }), fc.string({ unit: 'binary' }), { maxKeys: 3 }),
    );
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary' }),
        fc.dictionary(fc.string({ unit: 'binary' }), value, { maxKeys: 6 }),
        (message, fields) => {
          const { out, logger } = jsonLogger();
          logger.warn(fields, message);
          logger.info(message);
          expectOneSafeLinePerCall(out.text(), 2);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('cuts huge strings and objects but keeps the line valid', () => {
    const { out, logger } = jsonLogger(1000);
    const huge = 'y'.repeat(5_000_000);
    logger.info({ huge, big: { list: Array.from({ length: 10_000 }, (_, i) => i) } }, huge);
    const [record] = expectOneSafeLinePerCall(out.text(), 1);
    expect(out.text().length).toBeLessThan(10_000);
    expect(record?.message).toMatch(/^y{1000}…\[truncated 4999000 chars\]$/);
    expect(typeof record?.big).toBe('string'); // the start of its JSON, as a string
    expect(record?.big as string).toMatch(/^\{"list":\[0,1,2,/);
  });

  it('writes circular objects, throwing getters, toJSON that throws, and errors with circular causes', () => {
    const { out, logger } = jsonLogger();
    const circular: Record<string, unknown> = { name: 'c' };
    circular.self = circular;
    const throwing = {
      get bad(): never {
        throw new Error('getter');
      },
    };
    const badJson = {
      toJSON: () => {
        throw new Error('toJSON');
      },
    };
    const first = new Error('first');
    const second = new Error('second', { cause: first });
    (first as { cause?: unknown }).cause = second;
    const shared = { id: 1 };
    logger.info({ circular, mixed: { circular, twice: [shared, shared] } }, 'circular');
    logger.info({ throwing }, 'getter');
    logger.info({ badJson }, 'tojson');
    logger.error(second, 'cycle of causes');
    logger.info(
      { fn: () => 1, sym: Symbol('s'), n: Number.NaN, inf: Number.POSITIVE_INFINITY, big: 10n },
      'odd values',
    );
    const records = expectOneSafeLinePerCall(out.text(), 5);
    expect(records[0]?.circular).toEqual({ name: 'c', self: '[Circular]' });
    expect(records[0]?.mixed).toEqual({
      circular: { name: 'c', self: '[Circular]' },
      twice: [{ id: 1 }, { id: 1 }], // shared, not circular: written twice
    });
    expect(records[1]?.message).toBe('getter');
    expect(records[2]?.badJson).toBe('[unserializable]');
    expect((records[3]?.err as { message?: string } | undefined)?.message).toContain('second');
    expect(records[4]).toMatchObject({ n: null, inf: null, big: 10 });
    expect(records[4]).not.toHaveProperty('fn');
    expect(records[4]).not.toHaveProperty('sym');
  });

  it('still writes a line when reading a field throws (a Proxy), flagged with log_error', () => {
    const { out, logger } = jsonLogger();
    const hostile = new Proxy(
      {},
      {
        ownKeys: () => {
          throw new Error('no keys for you');
        },
      },
    );
    logger.info(hostile as Record<string, unknown>, 'proxy');
    const trap = new Proxy(
      {},
      {
        ownKeys: () => {
          throw Object.defineProperty(new Error(), 'message', {
            get() {
              throw new Error('even the message throws');
            },
          });
        },
      },
    );
    expect(() => logger.info(trap as Record<string, unknown>, 'trap')).not.toThrow();
    const [record, trapped] = expectOneSafeLinePerCall(out.text(), 2);
    expect(trapped).toMatchObject({
      message: 'trap',
      log_error: 'fields could not be serialised: unknown error',
    });
    // The line keeps the call's level (only its fields are replaced by log_error).
    expect(record).toMatchObject({ level: 'INFO', message: 'proxy' });
    expect(record?.log_error).toContain('no keys for you');
  });
});
