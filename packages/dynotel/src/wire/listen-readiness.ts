/**
 * Readiness from the service's own serving state: the first server of the service that listens sets the
 * process status `ready` (a serving service is ready, as Dynamo's frontend /health always is; endpoint
 * rules, canary targets and readiness checks still apply on top, see docs/readiness.md). Every HTTP/1
 * server that listens is also handed to graceful shutdown. No request is needed for either.
 */
import type { Server } from 'node:http';
import type { Server as NetServer } from 'node:net';
import { diag } from '@dynotel/core';
import type { HealthState } from '@dynotel/health';
import { isHttp1Server, watchListeningServers } from '../http/listen-watch.ts';

interface ListenReadiness {
  /** Leave the process status to the service (`markReadyOnListen: false`). */
  hold: boolean;
  /** The status was set once already: a service that later sets itself notready is not overruled. */
  marked: boolean;
  readonly seen: WeakSet<object>;
  /** What the middleware do when a server listens (Express: its error handler, its route check). */
  readonly listeners: Array<(server: NetServer) => void>;
}

const byHealth = new WeakMap<HealthState, ListenReadiness>();

/**
 * Starts watching; returns the function that stops it (telemetry shutdown). `markReady` false: servers
 * are still tracked for shutdown, the status is left to `health.setProcessStatus`.
 */
export function wireListenReadiness(
  health: HealthState,
  markReady: boolean,
  trackServer: (server: Server) => void,
): () => void {
  const state: ListenReadiness = { hold: !markReady, marked: false, seen: new WeakSet(), listeners: [] };
  byHealth.set(health, state);
  return watchListeningServers((server) => {
    if (isHttp1Server(server)) trackServer(server);
    else {
      diag.once('dynotel.http.listen.not-http1', {
        level: 'warn',
        target: 'dynotel',
        message:
          'a server that is not node:http(s) (HTTP/2 or raw TCP) started listening: graceful shutdown cannot drain its requests; telemetry and readiness work as usual',
        fields: { server: server.constructor?.name ?? 'unknown' },
      });
    }
    for (const listener of state.listeners) {
      try {
        listener(server);
      } catch (error) {
        diag.once('dynotel.http.listen.listener', {
          level: 'error',
          target: 'dynotel',
          message: "a middleware's handling of a server that started listening failed (reported once)",
          fields: { error: String(error) },
        });
      }
    }
    // A middleware may have refused the server (it closed it): that is not a service serving.
    if (server.listening) serving(health, state, server);
  });
}

function serving(health: HealthState, state: ListenReadiness, server: NetServer | Server): void {
  state.seen.add(server);
  if (state.hold || state.marked) return;
  state.marked = true;
  health.setProcessStatus('ready');
}

/**
 * Runs `fn` for every server of the service that starts listening, for as long as the telemetry lives
 * (the subscription is the telemetry's: nothing is left behind after its shutdown).
 */
export function onServerListening(health: HealthState, fn: (server: NetServer) => void): void {
  byHealth.get(health)?.listeners.push(fn);
}

/** Called by a middleware created with `markReadyOnListen: false`, before the server listens. */
export function holdListenReadiness(health: HealthState): void {
  const state = byHealth.get(health);
  if (state !== undefined) state.hold = true;
}

/**
 * A middleware met a server on a request (Express): if the watcher did not see it listen (it listened
 * before `init()`), it counts as the service serving, by the same rules (once, unless held).
 */
export function serverServing(health: HealthState, server: Server): void {
  const state = byHealth.get(health);
  if (state === undefined || state.seen.has(server)) return;
  serving(health, state, server);
}
