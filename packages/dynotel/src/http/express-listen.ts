/**
 * What dynotel's Express middleware does when the app it is mounted on starts listening (Node's listen
 * channel, see listen-watch.ts; Express's `app.listen` and `http.createServer(app)` both make the app the
 * server's 'request' listener): append dynotel's error handler after the app's routes and error
 * handlers, and refuse to start — the server emits a DynotelError, as it would a port in use — when a
 * route of dynotel would fall on an Express sub-app whose routes cannot be read.
 */
import type { Server as NetServer } from 'node:net';
import { DynotelError } from '@dynotel/core';
import type { HealthHandlers } from '@dynotel/health';
import { type ExpressErrorHandler, isDynotelErrorHandler } from './express-errors.ts';
import { appServes, routerStack, stackHolds } from './express-router.ts';

export interface ExpressListenOptions {
  readonly middleware: unknown;
  readonly errorHandler: ExpressErrorHandler;
  /** dynotel's route paths when `systemRoutes` is on. */
  readonly paths: HealthHandlers['paths'] | undefined;
}

/** The function to run for each server that starts listening (see wire/listen-readiness.ts). */
export function expressAppListening(options: ExpressListenOptions): (server: NetServer) => void {
  return (server) => {
    for (const listener of server.listeners('request')) {
      const stack = routerStack(listener);
      if (stack === undefined || !stackHolds(stack, options.middleware)) continue;
      const refusal = options.paths === undefined ? undefined : undecidable(stack, options.paths);
      if (refusal !== undefined) {
        refuse(server, refusal);
        return;
      }
      if (!stack.some((layer) => isDynotelErrorHandler(layer.handle))) {
        (listener as unknown as { use(fn: unknown): unknown }).use(options.errorHandler);
      }
    }
  };
}

function undecidable(
  stack: Parameters<typeof appServes>[0],
  paths: HealthHandlers['paths'],
): DynotelError | undefined {
  for (const path of [paths.health, paths.live, paths.metrics]) {
    if (appServes(stack, 'GET', path) !== 'unknown') continue;
    return new DynotelError(
      'ERR_DYNOTEL_SYSTEM_ROUTE_UNDECIDABLE',
      `dynotel cannot tell whether the Express sub-app mounted where GET ${path} falls serves it (Express hides a sub-app's routes): pass { systemRoutes: false } to dynotel() to leave ${path} to the app (dynotel's routes stay on DYN_SYSTEM_PORT), or mount the sub-app on a prefix`,
      { details: { route: path, option: 'systemRoutes' } },
    );
  }
  return undefined;
}

/** Stops the server and reports the error the way a failed listen does (`app.listen`'s callback gets it). */
function refuse(server: NetServer, error: DynotelError): void {
  server.close();
  if (server.listenerCount('error') > 0) server.emit('error', error);
  else {
    // Nobody listens for the server's errors: it fails like an unhandled EADDRINUSE would.
    process.nextTick(() => {
      throw error;
    });
  }
}
