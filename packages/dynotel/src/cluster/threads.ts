import { BroadcastChannel, threadId } from 'node:worker_threads';
import type { DynotelConfig } from '@dynotel/core';
import { type MetricsRoot, SnapshotAggregator } from '@dynotel/metrics';
import { SnapshotCollector } from './collector.ts';
import { asDynotelMessage, type DynotelMessage, PROTOCOL } from './protocol.ts';

/** The channel every thread of the process with dynotel joins (a name, so no wiring by the app). */
export const THREADS_CHANNEL = 'dynotel.threads/1';

/**
 * The main thread's side: its `/metrics` carries the metrics recorded in every worker thread that runs
 * dynotel (`dynotel/register` is inherited by worker threads through execArgv; or call `init()` in the
 * thread), summed and per thread by the same rules as a cluster. Returns the function that detaches it.
 */
export function wireThreadsMain(config: DynotelConfig, root: MetricsRoot): () => void {
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
    if (message.type === 'hello' && message.worker !== undefined) collector.hello(message.worker);
    else if (message.type === 'bye') collector.gone(message.worker);
    else if (message.type === 'answer' && message.worker !== undefined)
      collector.answer(message.worker, message);
  };
  root.addExpositionCallback(() => collector.metricsText(), { source: 'worker threads' });
  return () => channel.close();
}

/**
 * A worker thread's side: hello on start, the Prometheus text of its registry on each collect, and bye
 * when the thread exits (its last counters then join the main thread's baseline at once). It does not
 * bind DYN_SYSTEM_PORT. Returns the function that detaches it.
 */
export function wireThreadsWorker(root: MetricsRoot): () => void {
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
    if (message?.type !== 'collect' || message.kind !== 'metrics') return;
    const { id, kind } = message;
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
