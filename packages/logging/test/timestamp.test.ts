import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createTimestampFormatter, reanchor } from '../src/format/timestamp.ts';
import { createLogger } from '../src/index.ts';
import { capture } from './support/capture.ts';

/** Microseconds since the epoch of a `…T…:…:SS.ffffffZ` timestamp. */
function micros(time: string): number {
  const seconds = Date.parse(`${time.slice(0, 19)}Z`);
  return seconds * 1000 + Number(time.slice(20, 26));
}

/**
 * Simulated clocks: a monotonic clock with sub-ms readings, and a wall clock that reads the true time
 * floored to the millisecond (Date.now()), plus an optional step (a clock adjustment).
 */
function simulatedClocks(startWall: number, originFraction: number) {
  let monotonic = 0;
  let step = 0;
  const trueWall = () => startWall + originFraction + monotonic + step;
  return {
    clocks: {
      wallMs: () => Math.floor(trueWall()),
      monotonicMs: () => monotonic,
      // What performance.timeOrigin gives the real formatter: the wall time at monotonic 0, sub-ms
      // exact. Without it the formatter starts on the wall clock's whole millisecond, and generated gaps
      // of whole milliseconds (fast-check likes its bounds, 1000 and 5000) kept every stamp whole.
      originMs: startWall + originFraction,
    },
    advance(ms: number) {
      monotonic += ms;
    },
    adjust(ms: number) {
      step += ms;
    },
    trueMicros: () => Math.floor(trueWall() * 1000),
  };
}

describe('log timestamps keep real microseconds', () => {
  it('never collapses to whole milliseconds after idle gaps (property over many consecutive lines)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1_600_000_000_000, max: 1_900_000_000_000 }),
        fc.double({ min: 0, max: 0.999, noNaN: true }),
        // Gaps between lines: bursts (µs apart) and idle periods (seconds apart), which re-anchor.
        fc.array(
          fc.oneof(
            fc.double({ min: 0.001, max: 2, noNaN: true }),
            fc.double({ min: 1000, max: 5000, noNaN: true }),
          ),
          {
            minLength: 200,
            maxLength: 400,
          },
        ),
        (startWall, originFraction, gaps) => {
          const sim = simulatedClocks(startWall, originFraction);
          const format = createTimestampFormatter(false, sim.clocks);
          let previous = -Infinity;
          let wholeMillis = 0;
          for (const gap of gaps) {
            sim.advance(gap);
            const stamp = micros(format());
            // Within the wall clock's resolution of the true time, and never going backwards.
            expect(Math.abs(stamp - sim.trueMicros())).toBeLessThanOrEqual(2000);
            expect(stamp).toBeGreaterThanOrEqual(previous);
            previous = stamp;
            // A collapse: the stamp is a whole millisecond where the true time is not (generated gaps
            // can make the true time itself whole, e.g. a zero origin fraction and 1000 ms gaps).
            const truth = sim.trueMicros() % 1000;
            if (stamp % 1000 === 0 && truth > 1 && truth < 999) wholeMillis += 1;
          }
          // A real fraction ends in 000 one time in a thousand; allow a few, never a pattern.
          expect(wholeMillis).toBeLessThanOrEqual(3);
        },
      ),
      // No shrinking: each run formats hundreds of lines, and shrinking a failure would take minutes.
      { numRuns: 200, endOnFailure: true },
    );
  });

  it('follows a wall-clock adjustment and keeps the sub-millisecond part', () => {
    const sim = simulatedClocks(1_800_000_000_000, 0.4567);
    const format = createTimestampFormatter(false, sim.clocks);
    sim.advance(10.25);
    format();
    sim.adjust(-3_600_000);
    sim.advance(1500);
    const stamp = micros(format());
    expect(Math.abs(stamp - sim.trueMicros())).toBeLessThanOrEqual(1000);
    expect(stamp % 1000).not.toBe(0);
  });

  it('reanchor keeps the anchor while the wall clock agrees, and moves it by the step otherwise', () => {
    expect(reanchor(1000.25, 500, 1500)).toBe(1000.25);
    expect(reanchor(1000.25, 500, 1501)).toBe(1000.25);
    const moved = reanchor(1000.25, 500, 1600);
    expect(moved + 500).toBeCloseTo(1600.25, 9);
  });

  it('real lines from the logger, with idle gaps between some of them, keep their microseconds', async () => {
    const out = capture();
    const logger = createLogger({ format: 'jsonl', destination: out.stream, logUncaughtExceptions: false });
    for (let burst = 0; burst < 3; burst++) {
      for (let i = 0; i < 2000; i++) logger.info({ i }, 'line');
      // An idle second: the next line is the first after a re-anchor (where the 000 endings were).
      await new Promise((resolve) => setTimeout(resolve, 1050));
      logger.info('after idle');
    }
    const times = out.records().map((record) => record.time as string);
    expect(times.length).toBe(6003);
    const afterIdle = out
      .records()
      .filter((record) => record.message === 'after idle')
      .map((record) => micros(record.time as string));
    const wholeMillis = times.filter((time) => time.slice(23, 26) === '000').length;
    expect(wholeMillis).toBeLessThan(30);
    // The three post-idle lines all ending in 000 was the bug; by chance it is one in a billion.
    expect(afterIdle.filter((value) => value % 1000 === 0).length).toBeLessThan(3);
    for (let i = 1; i < times.length; i++)
      expect(micros(times[i] as string)).toBeGreaterThanOrEqual(micros(times[i - 1] as string));
  });
});
