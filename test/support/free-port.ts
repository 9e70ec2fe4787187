import { createServer } from 'node:net';

/**
 * A free TCP port on 127.0.0.1 for a server that cannot bind port 0 itself and report it (Prometheus).
 * The port is released before the caller binds it; the window is tiny on a test machine.
 */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
