import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A plain node:http server (no dynotel) that keeps the headers of every request it receives, by path. */
export interface HeaderRecorder {
  readonly url: string;
  /** Headers of the requests to `path` (query string excluded), in arrival order. */
  received(path: string): IncomingHttpHeaders[];
  close(): Promise<void>;
}

export async function startHeaderRecorder(): Promise<HeaderRecorder> {
  const received = new Map<string, IncomingHttpHeaders[]>();
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] as string;
    received.set(path, [...(received.get(path) ?? []), req.headers]);
    req.resume();
    req.on('end', () => {
      res.statusCode = path.startsWith('/status/') ? Number(path.slice('/status/'.length)) : 200;
      res.setHeader('content-type', 'application/json');
      res.end('{"recorded":true}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received: (path) => received.get(path) ?? [],
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
