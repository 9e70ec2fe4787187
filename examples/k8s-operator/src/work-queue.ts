/**
 * A minimal controller work queue: one reconcile per key at a time, a key queued while it runs is run
 * again afterwards, failures retried with exponential backoff (up to `maxRetries`), and requeues after
 * the delay the reconcile asked for. Like client-go's rate-limited queue, in a few lines.
 */
export interface QueueResult {
  readonly requeue?: boolean;
  readonly requeueAfterMs?: number;
}

export class WorkQueue {
  readonly #work: (key: string) => Promise<QueueResult | undefined>;
  readonly #baseDelayMs: number;
  readonly #maxRetries: number;
  readonly #running = new Set<string>();
  readonly #dirty = new Set<string>();
  readonly #failures = new Map<string, number>();
  readonly #timers = new Set<NodeJS.Timeout>();
  #stopped = false;

  constructor(work: (key: string) => Promise<QueueResult | undefined>, baseDelayMs = 20, maxRetries = 5) {
    this.#work = work;
    this.#baseDelayMs = baseDelayMs;
    this.#maxRetries = maxRetries;
  }

  add(key: string): void {
    if (this.#stopped) return;
    if (this.#running.has(key)) {
      this.#dirty.add(key);
      return;
    }
    this.#running.add(key);
    void this.#run(key);
  }

  addAfter(key: string, delayMs: number): void {
    if (this.#stopped) return;
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      this.add(key);
    }, delayMs);
    this.#timers.add(timer);
  }

  stop(): void {
    this.#stopped = true;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
  }

  async #run(key: string): Promise<void> {
    try {
      const result = await this.#work(key);
      this.#failures.delete(key);
      if (result?.requeueAfterMs !== undefined && result.requeueAfterMs > 0)
        this.addAfter(key, result.requeueAfterMs);
      else if (result?.requeue === true) this.addAfter(key, this.#baseDelayMs);
    } catch {
      // The reconcile wrapper has already counted, traced and logged the failure.
      const failures = (this.#failures.get(key) ?? 0) + 1;
      if (failures <= this.#maxRetries) {
        this.#failures.set(key, failures);
        this.addAfter(key, this.#baseDelayMs * 2 ** (failures - 1));
      } else this.#failures.delete(key);
    } finally {
      this.#running.delete(key);
      if (this.#dirty.delete(key)) this.add(key);
    }
  }
}
