import cluster, { type Worker } from 'node:cluster';
import type { DynotelConfig } from '@dynotel/core';
import { DEFAULT_CHECK_TIMEOUT_MS, type HealthState, type ShutdownCoordinator } from '@dynotel/health';
import { type MetricsRoot, SnapshotAggregator } from '@dynotel/metrics';
import { SnapshotCollector } from './collector.ts';
import { asDynotelMessage } from './protocol.ts';

/** The environment variable the workers inherit from a dynotel primary (see the env table). */
export const PRIMARY_PID_VARIABLE = 'DYN_CLUSTER_PRIMARY_PID';

export interface ClusterPrimaryDeps {
  readonly config: DynotelConfig;
  readonly root: MetricsRoot;
  readonly health: HealthState;
  readonly shutdown: ShutdownCoordinator;
  /** Mark the primary ready when its first worker listens (InitOptions.markReadyOnListen). */
  readonly markReadyOnListen: boolean;
}

/**
 * The node:cluster primary's side: its `/metrics` (on DYN_SYSTEM_PORT and the app handlers) carries the
 * aggregate of its workers, its readiness needs DYN_CLUSTER_READY_SHARE of them ready, and its shutdown
 * sends SIGTERM to every worker and waits for them (each runs its own drain and flush). Returns the
 * function that detaches it.
 */
export function wireClusterPrimary(deps: ClusterPrimaryDeps): () => void {
  const { config, root, health, shutdown } = deps;
  // Inherited by every worker forked from now on: they answer this primary instead of binding the port.
  process.env[PRIMARY_PID_VARIABLE] = String(process.pid);
  const aggregator = new SnapshotAggregator({ maxBytes: config.metrics.foreignTextMaxBytes });
  const collector = new SnapshotCollector(
    aggregator,
    {
      send(request, to) {
        const unreachable: string[] = [];
        for (const id of to) {
          const worker = cluster.workers?.[id];
          try {
            if (worker === undefined || !worker.isConnected()) unreachable.push(id);
            else worker.send(request, undefined, () => {});
          } catch {
            unreachable.push(id);
          }
        }
        return unreachable;
      },
    },
    config.cluster.scrapeTimeoutMs,
  );
  root.addExpositionCallback(() => collector.metricsText(), { source: 'cluster workers' });

  const onMessage = (worker: Worker, raw: unknown) => {
    const message = asDynotelMessage(raw);
    if (message === undefined) return;
    const id = String(worker.id);
    if (message.type === 'hello') {
      collector.hello(id);
      addWorkerRules();
    } else if (message.type === 'answer') collector.answer(id, message);
  };
  // Added with the first worker, so a process that never forks keeps its readiness (and its /health
  // body) and its shutdown budget as they were.
  const probeMs = Math.min(config.cluster.scrapeTimeoutMs, DEFAULT_CHECK_TIMEOUT_MS - 100);
  let removeCheck: (() => void) | undefined;
  // With the application's hooks (order 0), before telemetry's own flush: the workers (which skip the
  // drain delay, the primary drained for the service) finish their requests and flush their spans and
  // logs within their DYN_SHUTDOWN_TIMEOUT, then the primary flushes its own.
  let hookAdded = false;
  const addWorkerRules = () => {
    if (hookAdded) return;
    hookAdded = true;
    removeCheck = health.addReadinessCheck(
      'cluster workers',
      async () => {
        const { ready, total } = await collector.readiness(probeMs);
        return ready > 0 && ready >= config.cluster.readyShare * total;
      },
      { timeoutMs: DEFAULT_CHECK_TIMEOUT_MS },
    );
    shutdown.addHook('cluster workers', () => stopWorkers(), {
      timeoutMs: config.shutdown.timeoutMs,
      order: 0,
    });
  };
  const onExit = (worker: Worker) => collector.gone(String(worker.id));
  let listened = false;
  const onListening = () => {
    if (listened || !deps.markReadyOnListen) return;
    listened = true;
    health.setProcessStatus('ready');
  };
  // A worker forked while the primary shuts down (an app that re-forks on 'exit') is stopped at once.
  const onFork = (worker: Worker) => {
    if (shutdown.isShuttingDown) worker.process.kill('SIGTERM');
  };
  cluster.on('message', onMessage);
  cluster.on('exit', onExit);
  cluster.on('listening', onListening);
  cluster.on('fork', onFork);

  return () => {
    cluster.off('message', onMessage);
    cluster.off('exit', onExit);
    cluster.off('listening', onListening);
    cluster.off('fork', onFork);
    removeCheck?.();
  };
}

/** SIGTERM to every live worker, resolved when all have exited (the coordinator bounds the wait). */
function stopWorkers(): Promise<void> {
  const workers = Object.values(cluster.workers ?? {}).filter(
    (worker): worker is Worker => worker !== undefined && !worker.isDead(),
  );
  return Promise.all(
    workers.map(
      (worker) =>
        new Promise<void>((resolve) => {
          worker.once('exit', () => resolve());
          if (worker.isDead()) resolve();
          else worker.process.kill('SIGTERM');
        }),
    ),
  ).then(() => undefined);
}
