import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DynotelError, diag } from '@dynotel/core';
import { markServerUninstrumented } from '@dynotel/core/internal';
import { createHealthHandlers, type HealthHandlersOptions, sendNotFound } from './http-handlers.ts';
import { invalidOption } from './validate.ts';

// node:http through process.getBuiltinModule, not an ES import: in the ESM build an import of node:http
// makes Node build its ES module facade, which reads every export, the lazily loaded ones too (15-30 ms
// on Node 22 and 24), a cost a service reaching node:http through require (Express, Fastify) never pays.
const { createServer } = process.getBuiltinModule('node:http');

/**
 * Marks dynotel's own status server, so that watchers of Node's `net.server.listen` channel (readiness
 * on listen) can tell it from the service's servers. `Symbol.for`: two copies of the package agree.
 */
const SYSTEM_SERVER = Symbol.for('dynotel.systemStatusServer');

/** Whether `server` is a system status server started by `startSystemServer`. */
export function isSystemServer(server: object): boolean {
  return (server as { [SYSTEM_SERVER]?: true })[SYSTEM_SERVER] === true;
}

export interface SystemServerOptions extends HealthHandlersOptions {
  /** DYN_SYSTEM_HOST. Default `0.0.0.0` (Dynamo's default; bind 127.0.0.1 outside a pod). */
  host?: string | undefined;
  /** DYN_SYSTEM_PORT: negative disables the server, 0 picks a free port. Default -1. */
  port?: number | undefined;
}

export interface SystemServer {
  readonly server: Server;
  readonly host: string;
  /** The bound port (the real one when 0 was asked). */
  readonly port: number;
  readonly url: string;
  /** Stops listening, closes idle keep-alive sockets, resolves when every connection is gone. */
  close(): Promise<void>;
}

/**
 * Starts the per-process system status server (/health, /live, /metrics). Resolves to undefined
 * when `port` is negative (Dynamo: disabled). Logs the bound address once.
 */
export async function startSystemServer(options: SystemServerOptions): Promise<SystemServer | undefined> {
  const port = options.port ?? -1;
  if (!Number.isInteger(port) || port > 65_535)
    throw invalidOption('port', port, 'an integer up to 65535 (negative disables)');
  if (port < 0) return undefined;
  const host = options.host ?? '0.0.0.0';
  if (typeof host !== 'string' || host.length === 0)
    throw invalidOption('host', host, 'a host name or IP address');
  const handlers = createHealthHandlers(options);

  const server = createServer(
    { requestTimeout: 10_000, headersTimeout: 5_000, keepAliveTimeout: 5_000 },
    (req, res) => {
      if (!handlers.handle(req, res)) {
        req.resume();
        sendNotFound(req, res);
      }
    },
  );
  // dynotel's own probes and scrapes are not the application's traffic (no span, no http_server_* series).
  markServerUninstrumented(server);

  (server as { [SYSTEM_SERVER]?: true })[SYSTEM_SERVER] = true;

  await new Promise<void>((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      reject(
        new DynotelError(
          'ERR_DYNOTEL_HEALTH_LISTEN_FAILED',
          `the system status server could not listen on ${host}:${port}: ${error.code ?? error.message}`,
          { cause: error, details: { host, port, code: error.code } },
        ),
      );
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  // After start-up an error on the listening socket must not crash the host.
  server.on('error', (error) =>
    diag.warn('dynotel.health', 'system status server error', { error: error.message }),
  );

  const bound = (server.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  diag.info('dynotel.health', `System status server listening on ${urlHost}:${bound}`, { host, port: bound });

  let closing: Promise<void> | undefined;
  return {
    server,
    host,
    port: bound,
    url: `http://${urlHost}:${bound}`,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      return closing;
    },
  };
}
