import { flat } from './json-text.ts';

/**
 * Dynamo's timer (reference §4.2): `2025-09-02T15:53:31.943377Z`, or with a local offset
 * `2025-09-02T08:53:31.943377-07:00`. Microseconds come from the monotonic clock, re-anchored to the wall
 * clock every second so clock adjustments are followed; the date part is formatted once per second.
 */
export type TimestampFormatter = () => string;

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

export function createTimestampFormatter(localTimezone: boolean): TimestampFormatter {
  let anchor = Date.now() - performance.now();
  let reanchorAt = performance.now() + 1000;
  let cachedSecond = -1;
  // `2025-09-02T15:53:31.` per second, and `377Z` (the last three digits with the suffix) for each of
  // the 1000 values: a timestamp is three flat pieces (see `flat`), not five.
  let cachedPrefix = '';
  let cachedSuffix = '';
  let microsWithSuffix: readonly string[] = [];
  return () => {
    const now = performance.now();
    if (now >= reanchorAt) {
      anchor = Date.now() - now;
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
