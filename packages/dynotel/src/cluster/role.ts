import cluster from 'node:cluster';
import { isMainThread } from 'node:worker_threads';
import type { DynotelConfig } from '@dynotel/core';
import type { HealthState, ShutdownCoordinator } from '@dynotel/health';
import type { MetricsRoot } from '@dynotel/metrics';
import { wireClusterPrimary } from './cluster-primary.ts';
import { wireClusterWorker } from './cluster-worker.ts';
import { wireThreadsMain, wireThreadsWorker } from './threads.ts';

/**
 * What this process or thread is in a scaled-out service (docs/cluster.md):
 * - `primary`: the main thread of a process that is not a dynotel cluster worker — serves the aggregate
 *   of its cluster workers (if it forks any) and of its worker threads (if any run dynotel);
 * - `cluster-worker`: forked by a dynotel primary (DYN_CLUSTER_PRIMARY_PID is its parent): answers it,
 *   does not bind DYN_SYSTEM_PORT, and skips the drain delay (the primary drained for the service);
 *   it still aggregates its own worker threads;
 * - `thread`: a worker thread: answers the main thread, does not bind DYN_SYSTEM_PORT;
 * - `single`: DYN_CLUSTER_AGGREGATE off: every process and thread on its own.
 */
export type ScaleOutRole = 'single' | 'primary' | 'cluster-worker' | 'thread';

export function scaleOutRole(config: DynotelConfig): ScaleOutRole {
  if (!config.cluster.aggregate) return 'single';
  if (!isMainThread) return 'thread';
  // The parent check keeps a marker inherited by some other descendant from taking effect.
  if (cluster.isWorker && config.cluster.primaryPid === process.ppid) return 'cluster-worker';
  return 'primary';
}

/** Whether this role binds DYN_SYSTEM_PORT. */
export function servesSystemPort(role: ScaleOutRole): boolean {
  return role === 'single' || role === 'primary';
}

export interface ScaleOutDeps {
  readonly config: DynotelConfig;
  readonly root: MetricsRoot;
  readonly health: HealthState;
  readonly shutdown: ShutdownCoordinator;
  readonly markReadyOnListen: boolean;
}

/** Wires the role; returns the function that detaches it (telemetry shutdown). */
export function wireScaleOut(role: ScaleOutRole, deps: ScaleOutDeps): () => void {
  switch (role) {
    case 'single':
      return () => {};
    case 'thread':
      return wireThreadsWorker(deps.root, deps.shutdown);
    case 'cluster-worker': {
      const threads = wireThreadsMain(deps.config, deps.root, deps.shutdown);
      const worker = wireClusterWorker(deps.root, deps.health);
      return () => {
        worker();
        threads();
      };
    }
    case 'primary': {
      const threads = wireThreadsMain(deps.config, deps.root, deps.shutdown);
      const primary = wireClusterPrimary(deps);
      return () => {
        primary();
        threads();
      };
    }
  }
}
