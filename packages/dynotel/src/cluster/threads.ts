import { BroadcastChannel, threadId } from 'node:worker_threads';
import type { DynotelConfig } from '@dynotel/core';
import type { ShutdownCoordinator } from '@dynotel/health';
import { type MetricsRoot, SnapshotAggregator } from '@dynotel/metrics';
import { SnapshotCollector } from './collector.ts';
import { asDynotelMessage, type DynotelMessage, PROTOCOL } from './protocol.ts';

/** How long shutdown waits for a thread to show it is alive before it stops waiting for it. */
const PRUNE_TIMEOUT_MS = 500;

/** The channel every thread of the process with dynotel joins (a name, so no wiring by the app). */
export const THREADS_CHANNEL = 'dynotel.threads/1';

/**
 * The main thread's side: its `/metrics` carries the metrics recorded in every worker thread that runs
 * dynotel (`dynotel/register` is inherited by worker threads through execArgv; or call `init()` in the
 * thread), summed and per thread by the same rules as a cluster. Returns the function that detaches it.
 */
export function wireThreadsMain(
  config: DynotelConfig,
  root: MetricsRoot,
  shutdown: ShutdownCoordinator,
): () => void {
  const channel = new BroadcastChannel(THREADS_CHANNEL);
  channel.unref();
  const aggregator = new SnapshotAggregator({ maxBytes: config.metrics.foreignTextMaxBytes });
  const collector = new SnapshotCollector(
    aggregator,
    {
      send(request) {
        channel.postMessage(request);
        return [];
      },
    },
    config.cluster.scrapeTimeoutMs,
  );
  channel.onmessage = (event: unknown) => {
    const message = asDynotelMessage((event as { data?: unknown }).data);
    if (message === undefined) return;
    if (message.type === 'hello' && message.worker !== undefined) {
      collector.hello(message.worker);
      addShutdownHook();
    } else if (message.type === 'bye') collector.gone(message.worker);
    else if (message.type === 'answer' && message.worker !== undefined)
      collector.answer(message.worker, message);
  };
  root.addExpositionCallback(() => collector.metricsText(), { source: 'worker threads' });
  // Added with the first thread (a process without dynotel threads keeps its shutdown as it was). With
  // the application's hooks, before the main thread's own flush: every thread runs its own shutdown
  // (its spans and logs flushed) and says bye; the coordinator bounds the wait.
  let hookAdded = false;
  const addShutdownHook = () => {
    if (hookAdded) return;
    hookAdded = true;
    shutdown.addHook(
      'worker threads',
      async () => {
        channel.postMessage({ dynotel: PROTOCOL, type: 'shutdown' } satisfies DynotelMessage);
        // A thread that ended without its bye reaching us (terminate()) is not waited for.
        await collector.pruneSilent(PRUNE_TIMEOUT_MS);
        await collector.allGone();
      },
      // A thread's sequence is its two flushes (it skips the drain and has no requests of its own).
      { timeoutMs: 2 * config.shutdown.hookTimeoutMs, order: 0 },
    );
  };
  return () => channel.close();
}

/**
 * A worker thread's side: hello on start, the Prometheus text of its registry on each collect, its own
 * shutdown sequence (spans and logs flushed) when the main thread shuts down, and bye after it or when
 * the thread exits (its last counters then join the main thread's baseline at once). It does not bind
 * DYN_SYSTEM_PORT. Returns the function that detaches it.
 */
export function wireThreadsWorker(root: MetricsRoot, shutdown: ShutdownCoordinator): () => void {
  const channel = new BroadcastChannel(THREADS_CHANNEL);
  channel.unref();
  const worker = `thread-${threadId}`;
  const post = (message: DynotelMessage) => {
    try {
      channel.postMessage(message);
    } catch {
      // Closed: the thread is leaving.
    }
  };
  channel.onmessage = (event: unknown) => {
    const message = asDynotelMessage((event as { data?: unknown }).data);
    if (message?.type === 'shutdown') {
      void shutdown
        .shutdown('main thread shutdown')
        .finally(() => post({ dynotel: PROTOCOL, type: 'bye', worker }));
      return;
    }
    if (message?.type !== 'collect') return;
    const { id, kind } = message;
    if (kind === 'health') {
      // Threads take no part in readiness; the answer says the thread is alive (shutdown asks).
      post({ dynotel: PROTOCOL, type: 'answer', id, kind, worker, ready: true });
      return;
    }
    void root.scrape().then(
      (result) => post({ dynotel: PROTOCOL, type: 'answer', id, kind, worker, text: result.body }),
      () => post({ dynotel: PROTOCOL, type: 'answer', id, kind, worker, text: '' }),
    );
  };
  const onExit = () => {
    post({ dynotel: PROTOCOL, type: 'bye', worker });
    channel.close();
  };
  process.once('exit', onExit);
  post({ dynotel: PROTOCOL, type: 'hello', worker });
  return () => {
    process.off('exit', onExit);
    channel.close();
  };
}
