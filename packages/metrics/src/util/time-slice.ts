import { setImmediate as nextTurn } from 'node:timers/promises';

/** How long one synchronous stretch of scrape work may run before the event loop gets a turn. */
export const SLICE_MS = 5;
/** Units of work between two clock reads (a clock read costs more than a line of work). */
const CHECK_EVERY = 256;

/**
 * Cooperative time slicing for the scrape pipeline (parsing foreign text, converting it, encoding): call
 * `due()` once per unit of work; when it returns true, `await pause()` before going on. Every piece of
 * work a scrape does is cut this way, so a 50 MB engine body never holds the event loop for more than a
 * slice (plus the cost of one unit).
 */
export class TimeSlicer {
  #sinceCheck = 0;
  #sliceStart = performance.now();

  /** True when the current slice is used up (checked every 256 calls). */
  due(): boolean {
    if (++this.#sinceCheck < CHECK_EVERY) return false;
    this.#sinceCheck = 0;
    return performance.now() - this.#sliceStart >= SLICE_MS;
  }

  /** True when the current slice is used up (reads the clock on every call). */
  overdue(): boolean {
    return performance.now() - this.#sliceStart >= SLICE_MS;
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
