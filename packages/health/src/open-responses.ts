import type { Server as HttpServer, IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/** The responses of one server that have not finished, for graceful shutdown to wait on. */
export interface OpenResponses {
  /** Every response not yet finished (written out), in no particular order. */
  list(): ServerResponse[];
}

/** The parts of node:http's internal connection list that `closeIdleConnections()` itself reads. */
interface HttpConnection {
  readonly socket?: (Socket & { _httpMessage?: ServerResponse | null }) | null;
}
interface ConnectionsList {
  all(): HttpConnection[];
}

const CONNECTIONS_DESCRIPTION = 'http.server.connections';
let connectionsSymbol: symbol | undefined;

/**
 * node:http's own list of a listening server's connections (`server[kConnections]`, made at listen
 * since Node 18.2). With each connection's current response (`socket._httpMessage`, cleared when the
 * response has been written out) it tells which requests are in flight, as `closeIdleConnections()`
 * does, without any work per request. Undefined before the server listens, or on a Node without it.
 */
function connectionsOf(server: HttpServer): ConnectionsList | undefined {
  const holder = server as unknown as Record<symbol, unknown>;
  if (connectionsSymbol === undefined) {
    connectionsSymbol = Object.getOwnPropertySymbols(server).find(
      (symbol) => symbol.description === CONNECTIONS_DESCRIPTION,
    );
    if (connectionsSymbol === undefined) return undefined;
  }
  const list = holder[connectionsSymbol];
  return typeof (list as ConnectionsList | undefined)?.all === 'function'
    ? (list as ConnectionsList)
    : undefined;
}

function fromConnections(connections: ConnectionsList): ServerResponse[] {
  const open: ServerResponse[] = [];
  for (const connection of connections.all()) {
    const response = connection.socket?._httpMessage;
    if (response !== null && response !== undefined) open.push(response);
  }
  return open;
}

/**
 * Follows the open responses of `server`. Where node:http keeps its connection list (every supported
 * Node, once the server listens) the list is read when asked, so a request costs nothing here: a
 * 'request' listener and a 'close' listener per response cost a Fastify server ~2 µs per request (A/B
 * of 2026-12-05, bench/ANALYSIS.md). Otherwise (a Node without the list, or a server handed connections
 * without listening) each response is counted from its 'request' event to its 'close', decided at the
 * first request. `perRequest` forces the counting (tests).
 */
export function followOpenResponses(
  server: HttpServer,
  options: { perRequest?: boolean } = {},
): OpenResponses {
  let counted: Set<ServerResponse> | undefined;
  function onClose(this: ServerResponse): void {
    counted?.delete(this);
  }
  const count = (res: ServerResponse): void => {
    counted?.add(res);
    res.on('close', onClose);
  };
  const countPerRequest = (): void => {
    counted = new Set();
    // Prepended: counted before the application's handler runs.
    server.prependListener('request', (_req: IncomingMessage, res: ServerResponse) => count(res));
  };
  if (options.perRequest === true) countPerRequest();
  else {
    server.prependOnceListener('request', (_req: IncomingMessage, res: ServerResponse) => {
      if (connectionsOf(server) !== undefined) return;
      countPerRequest();
      // The listener just added does not see the event being emitted.
      count(res);
    });
  }
  return {
    list() {
      if (counted !== undefined) return [...counted];
      const connections = connectionsOf(server);
      return connections === undefined ? [] : fromConnections(connections);
    },
  };
}
