import { DynotelError, diag } from '@dynotel/core';
import { durationOption, invalidArgument, nameArgument } from './validate.ts';

export type ShutdownHook = () => unknown;

export interface ShutdownHookOptions {
  /** How long this hook may take; default the coordinator's `hookTimeoutMs`. */
  readonly timeoutMs?: number | undefined;
  /**
   * Hooks run by ascending order, then in the order added. Default 0. A finite number; dynotel's own
   * telemetry hooks use a higher order than any application hook, so they flush what the others logged.
   */
  readonly order?: number | undefined;
}

export interface HookResult {
  readonly name: string;
  /** `timeout` also when the budget left no time to run it at all (`durationMs` is then 0). */
  readonly outcome: 'ok' | 'error' | 'timeout';
  readonly durationMs: number;
  /** The message of what the hook threw or rejected with (outcome `error`). */
  readonly error?: string;
}

interface RegisteredHook {
  readonly name: string;
  readonly hook: ShutdownHook;
  readonly timeoutMs: number;
  readonly order: number;
}

/**
 * The shutdown hooks of one coordinator: added and removed by name, run in order, each bounded by its
 * own timeout and by the time left before the deadline (minus what the hooks after it are owed).
 */
export class ShutdownHooks {
  readonly #defaultTimeoutMs: number;
  #hooks: RegisteredHook[] = [];

  constructor(defaultTimeoutMs: number) {
    this.#defaultTimeoutMs = defaultTimeoutMs;
  }

  get size(): number {
    return this.#hooks.length;
  }

  /** The sum of every hook's timeout: what the hooks can take at worst. */
  get worstCaseMs(): number {
    let total = 0;
    for (const hook of this.#hooks) total += hook.timeoutMs;
    return total;
  }

  add(name: string, hook: ShutdownHook, options: ShutdownHookOptions = {}): () => void {
    nameArgument('name', name);
    if (typeof hook !== 'function') throw invalidArgument('hook', hook, 'a function');
    if (options === null || typeof options !== 'object') {
      throw invalidArgument('options', options, 'an object with timeoutMs and order');
    }
    const timeoutMs = durationOption('timeoutMs', options.timeoutMs, this.#defaultTimeoutMs, 1);
    const order = options.order ?? 0;
    if (typeof order !== 'number' || !Number.isFinite(order)) {
      throw invalidArgument('order', order, 'a finite number (hooks run by ascending order)');
    }
    if (this.#hooks.some((h) => h.name === name)) {
      throw new DynotelError(
        'ERR_DYNOTEL_HEALTH_DUPLICATE_NAME',
        `shutdown hook '${name}' is already registered`,
        { details: { hook: name } },
      );
    }
    const registered: RegisteredHook = { name, hook, timeoutMs, order };
    // Stable: equal orders keep the order they were added in.
    const at = this.#hooks.findIndex((h) => h.order > order);
    if (at === -1) this.#hooks.push(registered);
    else this.#hooks.splice(at, 0, registered);
    return () => {
      this.#hooks = this.#hooks.filter((h) => h !== registered);
    };
  }

  /**
   * Runs every hook in order; one that throws, rejects or hangs does not stop the next. A hook gets its
   * timeout, shortened so that the hooks after it still get theirs before `deadline` (a performance.now()
   * time): an application hook that hangs cannot eat the time of the telemetry flush behind it.
   */
  async runAll(deadline: number): Promise<HookResult[]> {
    const hooks = [...this.#hooks];
    const results: HookResult[] = [];
    for (let i = 0; i < hooks.length; i++) {
      const { name, hook, timeoutMs } = hooks[i]!;
      let owedLater = 0;
      for (let j = i + 1; j < hooks.length; j++) owedLater += hooks[j]!.timeoutMs;
      const allowed = Math.min(timeoutMs, deadline - performance.now() - owedLater);
      if (allowed < 1) {
        diag.warn('dynotel.health', `shutdown hook '${name}' skipped: no time left in the shutdown budget`, {
          timeoutMs,
        });
        results.push({ name, outcome: 'timeout', durationMs: 0 });
        continue;
      }
      results.push(await runHook(name, hook, Math.floor(allowed)));
    }
    return results;
  }
}

async function runHook(name: string, hook: ShutdownHook, timeoutMs: number): Promise<HookResult> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    const outcome = await Promise.race([
      Promise.resolve()
        .then(hook)
        .then(() => 'ok' as const),
      new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), timeoutMs);
      }),
    ]);
    if (outcome === 'timeout') {
      diag.warn('dynotel.health', `shutdown hook '${name}' timed out`, { timeoutMs });
    }
    return { name, outcome, durationMs: performance.now() - started };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    diag.warn('dynotel.health', `shutdown hook '${name}' failed`, { error: message });
    return { name, outcome: 'error', durationMs: performance.now() - started, error: message };
  } finally {
    clearTimeout(timer);
  }
}
