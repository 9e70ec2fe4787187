/**
 * The messages dynotel exchanges between a node:cluster primary and its workers (over the IPC channel,
 * `worker.send` / `process.send`) and between the main thread and worker threads (a BroadcastChannel).
 *
 * Every one is a plain object with the key `dynotel` set to `PROTOCOL`: an application that listens to
 * `process.on('message')`, `worker.on('message')` or `cluster.on('message')` sees them too (Node delivers
 * every IPC message to every listener) and should skip them with `isDynotelMessage(message)`. They are
 * small (a request is a few bytes; an answer carries one worker's exposition text, bounded by
 * DYN_METRICS_FOREIGN_TEXT_MAX_BYTES) and sent only when the primary is scraped or probed.
 */
export const PROTOCOL = 'cluster/1';

/** What a collect round asks for: the worker's exposition text, or its readiness. */
export type CollectKind = 'metrics' | 'health';

export type DynotelMessage =
  /** A worker announces itself (once, at init): the primary expects its answers from then on. */
  | { readonly dynotel: typeof PROTOCOL; readonly type: 'hello'; readonly worker?: string | undefined }
  /** The main thread shuts down: each worker thread runs its own shutdown (flushes spans and logs), then says bye. */
  | { readonly dynotel: typeof PROTOCOL; readonly type: 'shutdown' }
  /** A worker thread is leaving (its last counters join the baseline at once). */
  | { readonly dynotel: typeof PROTOCOL; readonly type: 'bye'; readonly worker: string }
  | {
      readonly dynotel: typeof PROTOCOL;
      readonly type: 'collect';
      readonly id: number;
      readonly kind: CollectKind;
    }
  | {
      readonly dynotel: typeof PROTOCOL;
      readonly type: 'answer';
      readonly id: number;
      readonly kind: CollectKind;
      /** Set by worker threads (the BroadcastChannel has no sender); cluster workers are known by their IPC channel. */
      readonly worker?: string | undefined;
      /** Prometheus text 0.0.4 of the worker's whole registry (kind `metrics`). */
      readonly text?: string | undefined;
      /** The worker's `/health` readiness (kind `health`). */
      readonly ready?: boolean | undefined;
    };

/** True for a message dynotel sent: an application's own message handlers should skip it. */
export function isDynotelMessage(message: unknown): boolean {
  return (
    typeof message === 'object' && message !== null && (message as { dynotel?: unknown }).dynotel === PROTOCOL
  );
}

/** The message, typed, when dynotel sent it. */
export function asDynotelMessage(message: unknown): DynotelMessage | undefined {
  if (!isDynotelMessage(message)) return undefined;
  const type = (message as { type?: unknown }).type;
  return type === 'hello' || type === 'bye' || type === 'shutdown' || type === 'collect' || type === 'answer'
    ? (message as DynotelMessage)
    : undefined;
}
