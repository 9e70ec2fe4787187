import { flat } from './json-text.ts';

/**
 * Dynamo's timer (reference §4.2): `2025-09-02T15:53:31.943377Z`, or with a local offset
 * `2025-09-02T08:53:31.943377-07:00`. Microseconds come from the monotonic clock, checked against the
 * wall clock every second so clock adjustments are followed; the date part is formatted once per second.
 *
 * The wall clock (`Date.now()`) has millisecond resolution. Re-anchoring on it blindly made the first
 * line after every idle second end in `000` microseconds (about 7 % of a quiet service's lines), so the
 * anchor keeps its sub-millisecond part: it moves only when the wall clock left the millisecond the
 * monotonic clock predicts (a real clock adjustment), and then keeps the monotonic fraction.
 */
export type TimestampFormatter = () => string;

/** The two clocks the formatter reads; injectable so a test can drive idle gaps and clock steps. */
export interface TimestampClocks {
  /** Wall clock, epoch ms (integer resolution, like `Date.now()`). */
  readonly wallMs: () => number;
  /** Monotonic clock, ms with sub-ms resolution (like `performance.now()`). */
  readonly monotonicMs: () => number;
  /** The wall-clock time at monotonic 0, with sub-ms resolution, if known (`performance.timeOrigin`). */
  readonly originMs?: number;
}

const SYSTEM_CLOCKS: TimestampClocks = {
  wallMs: () => Date.now(),
  monotonicMs: () => performance.now(),
  originMs: performance.timeOrigin,
};

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

function localOffset(date: Date): string {
  const minutes = -date.getTimezoneOffset();
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  return `${sign}${pad2(Math.floor(abs / 60))}:${pad2(abs % 60)}`;
}

function secondPrefix(epochSeconds: number, local: boolean): string {
  const date = new Date(epochSeconds * 1000);
  if (!local) return date.toISOString().slice(0, 19);
  return `${date.getFullYear()}-${pad2(date.getMonth() + 1)}-${pad2(date.getDate())}T${pad2(date.getHours())}:${pad2(date.getMinutes())}:${pad2(date.getSeconds())}`;
}

// "000".."999": the microsecond fraction is two table lookups instead of a number-to-string conversion.
const PAD3: readonly string[] = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));

/**
 * The anchor (wall ms at monotonic 0) to use after comparing with a wall-clock reading. While the
 * prediction agrees with the wall clock within its resolution (one millisecond of tick jitter either
 * side) the anchor stays, so timestamps stay monotonic and sub-millisecond exact. Otherwise the clock was
 * adjusted: the anchor moves to the wall clock's millisecond, keeping the sub-millisecond part that only
 * the monotonic clock knows.
 */
export function reanchor(anchor: number, monotonicNow: number, wallNow: number): number {
  const predicted = anchor + monotonicNow;
  if (predicted > wallNow - 1 && predicted < wallNow + 2) return anchor;
  const fraction = predicted - Math.floor(predicted);
  return wallNow + fraction - monotonicNow;
}

export function createTimestampFormatter(
  localTimezone: boolean,
  clocks: TimestampClocks = SYSTEM_CLOCKS,
): TimestampFormatter {
  const start = clocks.monotonicMs();
  let anchor = reanchor(clocks.originMs ?? clocks.wallMs() - start, start, clocks.wallMs());
  let reanchorAt = start + 1000;
  let cachedSecond = -1;
  // `2025-09-02T15:53:31.` per second, and `377Z` (the last three digits with the suffix) for each of
  // the 1000 values: a timestamp is three flat pieces (see `flat`), not five.
  let cachedPrefix = '';
  let cachedSuffix = '';
  let microsWithSuffix: readonly string[] = [];
  return () => {
    const now = clocks.monotonicMs();
    if (now >= reanchorAt) {
      anchor = reanchor(anchor, now, clocks.wallMs());
      reanchorAt = now + 1000;
    }
    const micros = Math.floor((anchor + now) * 1000);
    const second = Math.floor(micros / 1_000_000);
    if (second !== cachedSecond) {
      cachedSecond = second;
      cachedPrefix = flat(`${secondPrefix(second, localTimezone)}.`);
      const suffix = localTimezone ? localOffset(new Date(second * 1000)) : 'Z';
      if (suffix !== cachedSuffix) {
        cachedSuffix = suffix;
        microsWithSuffix = PAD3.map((digits) => flat(digits + suffix));
      }
    }
    const fraction = micros - second * 1_000_000;
    const millis = Math.floor(fraction / 1000);
    return cachedPrefix + PAD3[millis] + microsWithSuffix[fraction - millis * 1000];
  };
}
