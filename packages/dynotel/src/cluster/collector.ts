import { diag } from '@dynotel/core';
import type { SnapshotAggregator } from '@dynotel/metrics';
import type { CollectKind, DynotelMessage } from './protocol.ts';
import { type MissedReason, snapshotsMissed, workersRetired } from './self-metrics.ts';

type Answer = Extract<DynotelMessage, { type: 'answer' }>;

/** How a collector reaches its workers (node:cluster IPC, or a BroadcastChannel of worker threads). */
export interface CollectTransport {
  /** Sends a collect request to the workers in `to`; returns the ones it could not reach. */
  send(request: Extract<DynotelMessage, { type: 'collect' }>, to: readonly string[]): readonly string[];
}

interface Round {
  readonly kind: CollectKind;
  readonly waiting: Set<string>;
  readonly answers: Map<string, Answer>;
  readonly done: () => void;
}

/** After this many rounds in a row without an answer, a worker is taken as gone and retired. */
const MISSES_BEFORE_RETIRE = 3;

/**
 * Pulls snapshots from the workers that said hello, with a deadline, single-flight per kind (a hundred
 * concurrent scrapes cause one round, never a storm of messages). A worker that does not answer in time
 * never holds a scrape past the deadline: it is counted and left out of this round (stale). A worker that
 * exits is retired at once; one that misses `MISSES_BEFORE_RETIRE` rounds in a row is retired too.
 */
export class SnapshotCollector {
  readonly #aggregator: SnapshotAggregator;
  readonly #transport: CollectTransport;
  readonly #timeoutMs: number;
  readonly #workers = new Set<string>();
  readonly #misses = new Map<string, number>();
  readonly #rounds = new Map<number, Round>();
  readonly #inFlight = new Map<CollectKind, Promise<Map<string, Answer>>>();
  #nextId = 1;
  readonly #whenEmpty: Array<() => void> = [];

  constructor(aggregator: SnapshotAggregator, transport: CollectTransport, timeoutMs: number) {
    this.#aggregator = aggregator;
    this.#transport = transport;
    this.#timeoutMs = timeoutMs;
  }

  /** Workers that said hello and are not gone. */
  get workers(): number {
    return this.#workers.size;
  }

  /**
   * One readiness round; every worker that does not answer within `timeoutMs` is taken as gone at once
   * (a worker thread ended without its bye reaching us). For shutdown, which must not wait for the dead.
   */
  async pruneSilent(timeoutMs: number): Promise<void> {
    if (this.#workers.size === 0) return;
    const expected = [...this.#workers];
    const answers = await this.#collect('health', timeoutMs);
    for (const worker of expected) if (!answers.has(worker)) this.gone(worker);
  }

  /** Resolves once every worker that said hello is gone (shutdown waits on it; the caller bounds it). */
  allGone(): Promise<void> {
    if (this.#workers.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#whenEmpty.push(resolve));
  }

  hello(worker: string): void {
    this.#workers.add(worker);
  }

  /** The worker is gone: it stops being waited for and its last counters join the baseline. */
  gone(worker: string): void {
    if (!this.#workers.delete(worker)) return;
    this.#misses.delete(worker);
    for (const round of this.#rounds.values()) {
      if (round.waiting.delete(worker)) {
        missed('exited', worker);
        if (round.waiting.size === 0) round.done();
      }
    }
    this.#aggregator.retire(worker);
    workersRetired.inc();
    if (this.#workers.size === 0) for (const resolve of this.#whenEmpty.splice(0)) resolve();
  }

  /** An answer arrived (from `worker`). Late answers (their round is over) are ignored. */
  answer(worker: string, answer: Answer): void {
    const round = this.#rounds.get(answer.id);
    if (round === undefined || !round.waiting.delete(worker)) return;
    round.answers.set(worker, answer);
    if (round.waiting.size === 0) round.done();
  }

  /** The aggregated exposition text of every worker, after one round bounded by the deadline. */
  async metricsText(): Promise<string> {
    if (this.#workers.size === 0) return this.#aggregator.text(new Set());
    const answers = await this.#collect('metrics');
    const fresh = new Set<string>();
    for (const [worker, answer] of answers) {
      if (typeof answer.text === 'string' && this.#aggregator.offer(worker, answer.text)) fresh.add(worker);
    }
    return this.#aggregator.text(fresh);
  }

  /** How many workers answered ready, of how many live ones, within the deadline. */
  async readiness(timeoutMs: number): Promise<{ ready: number; total: number }> {
    const total = this.#workers.size;
    if (total === 0) return { ready: 0, total };
    const answers = await this.#collect('health', timeoutMs);
    let ready = 0;
    for (const answer of answers.values()) if (answer.ready === true) ready++;
    return { ready, total };
  }

  #collect(kind: CollectKind, timeoutMs = this.#timeoutMs): Promise<Map<string, Answer>> {
    const running = this.#inFlight.get(kind);
    if (running !== undefined) return running;
    const promise = this.#round(kind, timeoutMs).finally(() => this.#inFlight.delete(kind));
    this.#inFlight.set(kind, promise);
    return promise;
  }

  #round(kind: CollectKind, timeoutMs: number): Promise<Map<string, Answer>> {
    const id = this.#nextId++;
    const targets = [...this.#workers];
    return new Promise((resolve) => {
      const waiting = new Set(targets);
      const answers = new Map<string, Answer>();
      let timer: NodeJS.Timeout | undefined;
      const done = () => {
        if (!this.#rounds.delete(id)) return;
        if (timer !== undefined) clearTimeout(timer);
        for (const worker of waiting) this.#missedRound(worker, 'timeout');
        for (const worker of answers.keys()) this.#misses.delete(worker);
        resolve(answers);
      };
      this.#rounds.set(id, { kind, waiting, answers, done });
      const unreachable = this.#transport.send({ dynotel: 'cluster/1', type: 'collect', id, kind }, targets);
      for (const worker of unreachable) {
        if (waiting.delete(worker)) this.#missedRound(worker, 'send_failed');
      }
      if (waiting.size === 0) {
        done();
        return;
      }
      timer = setTimeout(done, timeoutMs);
      timer.unref();
    });
  }

  #missedRound(worker: string, reason: MissedReason): void {
    missed(reason, worker);
    const misses = (this.#misses.get(worker) ?? 0) + 1;
    this.#misses.set(worker, misses);
    if (misses >= MISSES_BEFORE_RETIRE) this.gone(worker);
  }
}

function missed(reason: MissedReason, worker: string): void {
  snapshotsMissed.inc({ reason });
  diag.once(`dynotel.cluster.missed.${reason}.${worker}`, {
    level: 'warn',
    target: 'dynotel.cluster',
    message: 'A worker did not answer the primary in time; its series are stale in this scrape',
    fields: { worker, reason },
  });
}
