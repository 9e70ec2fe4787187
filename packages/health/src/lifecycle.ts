import { invalidArgument } from './validate.ts';

/**
 * Where the process is in its life, the one phase type of the health state and the shutdown coordinator
 * (the coordinator moves it; the state answers probes from it):
 * - `running`: serving;
 * - `draining`: shutdown has begun, readiness answers 503, requests are still served;
 * - `shutting_down`: the drain delay has passed, servers are closing; liveness answers 503 too;
 * - `stopped`: the shutdown sequence has finished (hooks ran).
 */
export type LifecyclePhase = 'running' | 'draining' | 'shutting_down' | 'stopped';

const PHASE_ORDER: Readonly<Record<LifecyclePhase, number>> = {
  running: 0,
  draining: 1,
  shutting_down: 2,
  stopped: 3,
};

/** Throws the coded argument error unless `phase` is a LifecyclePhase. */
export function checkPhase(phase: LifecyclePhase): void {
  if (!Object.hasOwn(PHASE_ORDER, phase))
    throw invalidArgument('phase', phase, "'running', 'draining', 'shutting_down' or 'stopped'");
}

/** The phase only moves forward: whether going from `current` to `next` is a step ahead. */
export function isAhead(current: LifecyclePhase, next: LifecyclePhase): boolean {
  return PHASE_ORDER[next] > PHASE_ORDER[current];
}

/** Liveness: live until the drain delay has passed. */
export function isLivePhase(phase: LifecyclePhase): boolean {
  return PHASE_ORDER[phase] < PHASE_ORDER.shutting_down;
}
