import type { HealthState } from '@dynotel/health';
import type { MetricsRoot } from '@dynotel/metrics';
import { asDynotelMessage, type DynotelMessage, PROTOCOL } from './protocol.ts';

/**
 * A node:cluster worker's side: it says hello to its dynotel primary and answers its collect requests
 * with the Prometheus text of its whole registry, or its readiness. The IPC channel's ref is left as
 * node:cluster keeps it (a round-robin worker lives by it: unref'ing it lets idle workers exit). Returns
 * the function that detaches it.
 */
export function wireClusterWorker(root: MetricsRoot, health: HealthState): () => void {
  const send = (message: DynotelMessage) => {
    try {
      // The callback turns a closed channel into a no-op instead of an 'error' event.
      process.send?.(message, undefined, {}, () => {});
    } catch {
      // The channel closed (the primary is gone): nothing to answer to.
    }
  };
  const onMessage = (raw: unknown) => {
    const message = asDynotelMessage(raw);
    if (message?.type !== 'collect') return;
    const { id, kind } = message;
    const answer =
      kind === 'metrics'
        ? root.scrape().then(
            (result) => ({ text: result.body }),
            () => ({ text: '' }),
          )
        : health.readiness().then(
            (report) => ({ ready: report.ready }),
            () => ({ ready: false }),
          );
    void answer.then((fields) => send({ dynotel: PROTOCOL, type: 'answer', id, kind, ...fields }));
  };
  process.on('message', onMessage);
  send({ dynotel: PROTOCOL, type: 'hello' });
  return () => {
    process.off('message', onMessage);
  };
}
