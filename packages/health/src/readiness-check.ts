import { diag } from '@dynotel/core';
import { readinessCheckTotal } from './self-metrics.ts';

/**
 * A dependency check (database reachable, model loaded) that takes part in readiness.
 * The function passes by returning anything but `false` (or a promise of it); it fails by returning
 * `false`, throwing, rejecting or taking longer than its timeout.
 */
export type ReadinessCheckFn = () => unknown;

export type ReadinessCheckOutcome = 'pass' | 'fail' | 'error' | 'timeout' | 'still_running';

/** The kubelet's default probe timeout is 1 s; a check must answer well inside it. */
export const DEFAULT_CHECK_TIMEOUT_MS = 800;

/**
 * Runs one check single-flight: every probe that arrives while a run is in progress shares that run,
 * so a thousand concurrent probes cause one call. A call that outlives its timeout is reported as a
 * failure, and no new call starts until it settles, so a hanging dependency costs one pending call,
 * never one per probe.
 */
export class ReadinessCheck {
  readonly name: string;
  readonly timeoutMs: number;
  readonly #fn: ReadinessCheckFn;
  #shared: Promise<ReadinessCheckOutcome> | undefined;
  #callPending = false;
  #last: ReadinessCheckOutcome | undefined;

  constructor(name: string, fn: ReadinessCheckFn, timeoutMs: number) {
    this.name = name;
    this.#fn = fn;
    this.timeoutMs = timeoutMs;
  }

  /** The outcome of the most recent run (undefined before the first). */
  get lastOutcome(): ReadinessCheckOutcome | undefined {
    return this.#last;
  }

  run(): Promise<ReadinessCheckOutcome> {
    if (this.#shared !== undefined) return this.#shared;
    if (this.#callPending) {
      // The previous call timed out and is still hanging: do not stack another call on top of it.
      return Promise.resolve(this.#record('still_running'));
    }
    const shared = this.#runOnce().then((outcome) => {
      this.#shared = undefined;
      return this.#record(outcome);
    });
    this.#shared = shared;
    return shared;
  }

  #record(outcome: ReadinessCheckOutcome): ReadinessCheckOutcome {
    this.#last = outcome;
    readinessCheckTotal.inc({ check: this.name, outcome });
    return outcome;
  }

  #runOnce(): Promise<ReadinessCheckOutcome> {
    let result: unknown;
    try {
      result = this.#fn();
    } catch (error) {
      this.#warn(error);
      return Promise.resolve('error');
    }
    if (!isThenable(result)) return Promise.resolve(result === false ? 'fail' : 'pass');

    this.#callPending = true;
    return new Promise<ReadinessCheckOutcome>((resolve) => {
      const timer = setTimeout(() => resolve('timeout'), this.timeoutMs);
      timer.unref();
      Promise.resolve(result).then(
        (value) => {
          this.#callPending = false;
          clearTimeout(timer);
          resolve(value === false ? 'fail' : 'pass');
        },
        (error: unknown) => {
          this.#callPending = false;
          clearTimeout(timer);
          this.#warn(error);
          resolve('error');
        },
      );
    });
  }

  #warn(error: unknown): void {
    // Operator diagnostics only; probe bodies never carry the error (it can name hosts or credentials).
    diag.once(`dynotel.health.check.${this.name}.error`, {
      level: 'warn',
      target: 'dynotel.health',
      message: 'readiness check failed (logged once per check)',
      fields: { check: this.name, error: error instanceof Error ? error.message : String(error) },
    });
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}
