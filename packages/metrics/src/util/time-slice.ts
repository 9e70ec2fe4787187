import { setImmediate as nextTurn } from 'node:timers/promises';

/** How long one synchronous stretch of scrape work may run before the event loop gets a turn. */
export const SLICE_MS = 5;
/** Units of work between two clock reads (a clock read costs more than a line of work). */
const CHECK_EVERY = 256;
/**
 * Slices for reading foreign text: shorter, and the clock read more often (a unit there — a sample parsed,
 * converted and written — costs a few microseconds), because a garbage-collector pause that falls into a
 * slice adds to it: a 3 ms slice plus a 6–8 ms mark-compact stays near 10 ms.
 */
export const FOREIGN_SLICE_MS = 3;
export const FOREIGN_CHECK_EVERY = 64;

/**
 * Cooperative time slicing for the scrape pipeline (parsing foreign text, converting it, encoding): call
 * `due()` once per unit of work; when it returns true, `await pause()` before going on. Every piece of
 * work a scrape does is cut this way, so a 50 MB engine body never holds the event loop for more than a
 * slice (plus the cost of one unit).
 */
export class TimeSlicer {
  readonly #sliceMs: number;
  readonly #checkEvery: number;
  #sinceCheck = 0;
  #sliceStart = performance.now();

  constructor(sliceMs = SLICE_MS, checkEvery = CHECK_EVERY) {
    this.#sliceMs = sliceMs;
    this.#checkEvery = checkEvery;
  }

  /** True when the current slice is used up (the clock is read every `checkEvery` calls). */
  due(): boolean {
    if (++this.#sinceCheck < this.#checkEvery) return false;
    this.#sinceCheck = 0;
    return performance.now() - this.#sliceStart >= this.#sliceMs;
  }

  /** True when the current slice is used up (reads the clock on every call). */
  overdue(): boolean {
    return performance.now() - this.#sliceStart >= this.#sliceMs;
  }

  /** `due()` as a promise to await, or undefined to go on (cheap in a loop). */
  readonly pace = (): Promise<void> | undefined => (this.due() ? this.pause() : undefined);

  /** Gives the event loop a turn and starts a new slice. */
  async pause(): Promise<void> {
    await nextTurn();
    this.#sliceStart = performance.now();
    this.#sinceCheck = 0;
  }
}
