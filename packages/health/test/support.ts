import { isDynotelError } from '@dynotel/core';
import { expect } from 'vitest';

/** True when `error` is a DynotelError with this code whose message mentions `mention`. */
export function isDynotelErrorCode(error: unknown, code: string, mention?: string): boolean {
  return (
    isDynotelError(error) && error.code === code && (mention === undefined || error.message.includes(mention))
  );
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `condition` every 5 ms until it holds or `timeoutMs` passes (then throws). */
export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 5_000,
  what = 'condition',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

/** Asserts that `fn` throws a DynotelError with this code whose message mentions `mention`. */
export function expectDynotelError(fn: () => unknown, code: string, mention: string): void {
  let thrown: unknown;
  try {
    fn();
  } catch (error) {
    thrown = error;
  }
  expect(isDynotelErrorCode(thrown, code, mention), String(thrown)).toBe(true);
}
