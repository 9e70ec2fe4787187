import cluster from 'node:cluster';
import type { Server as NetServer } from 'node:net';

/**
 * True for the net.Server a node:cluster primary listens with on behalf of its workers (round-robin
 * scheduling, Node's default except on Windows): it accepts connections only to hand them to a worker,
 * and its one 'connection' listener is Node's internal assertion `fail`. It is not the service's server:
 * the workers serve, the primary neither drains it nor takes it as a sign of readiness (the cluster's
 * 'listening' event does, see cluster-primary.ts).
 */
export function isClusterRoundRobinHandle(server: NetServer): boolean {
  if (!cluster.isPrimary) return false;
  const listeners = server.listeners('connection');
  return listeners.length === 1 && (listeners[0] as { name?: unknown }).name === 'fail';
}
