/**
 * `followOpenResponses`: which responses of a real server are still open, read from node:http's
 * connection list (no work per request) or, without it, counted per request. Both must agree.
 */
import { once } from 'node:events';
import { Agent, createServer, type Server, type ServerResponse } from 'node:http';
import { type AddressInfo, createServer as createNetServer, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { followOpenResponses } from '../src/open-responses.ts';
import { httpRequest } from './http-client.ts';
import { waitFor } from './support.ts';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A server whose handler keeps each response open until `release()`. */
function holdingServer(): { server: Server; held: ServerResponse[]; release(): void } {
  const held: ServerResponse[] = [];
  const server = createServer((_req, res) => {
    held.push(res);
  });
  cleanups.push(() => {
    server.closeAllConnections();
    return new Promise((resolve) => server.close(() => resolve(undefined)));
  });
  return {
    server,
    held,
    release() {
      for (const res of held.splice(0)) res.end('done');
    },
  };
}

async function listen(server: Server): Promise<string> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('followOpenResponses', () => {
  for (const perRequest of [false, true]) {
    it(`${perRequest ? 'counted per request' : "from node:http's connection list"}: lists exactly the unfinished responses`, async () => {
      const { server, held, release } = holdingServer();
      const open = followOpenResponses(server, { perRequest });
      const url = await listen(server);
      const agent = new Agent({ keepAlive: true, maxSockets: 8 });
      cleanups.push(() => agent.destroy());
      expect(open.list()).toEqual([]);
      const answers = [1, 2, 3].map(() => httpRequest(url, { agent }));
      await waitFor(() => held.length === 3, 3_000, 'three requests held');
      expect(new Set(open.list())).toEqual(new Set(held));
      release();
      expect((await Promise.all(answers)).map((a) => a.body)).toEqual(['done', 'done', 'done']);
      // The keep-alive connections stay open, idle: no response of theirs is open.
      await waitFor(() => open.list().length === 0, 3_000, 'responses closed');
      expect(Object.values(agent.freeSockets).flat().length).toBeGreaterThan(0);
    });
  }

  it('adds no request listener for good where node:http keeps its connection list', async () => {
    const { server, release } = holdingServer();
    followOpenResponses(server);
    const url = await listen(server);
    const answer = httpRequest(url);
    await waitFor(() => server.listenerCount('request') === 1, 3_000, 'the one-off check removed');
    release();
    await answer;
    expect(server.listenerCount('request')).toBe(1);
  });

  it('counts per request on a server handed connections without listening', async () => {
    const { server, held, release } = holdingServer();
    const open = followOpenResponses(server);
    // Another server accepts, and hands each socket to the HTTP server, which never listens itself.
    const acceptor = createNetServer((socket: Socket) => server.emit('connection', socket));
    acceptor.listen(0, '127.0.0.1');
    await once(acceptor, 'listening');
    cleanups.push(() => new Promise((resolve) => acceptor.close(() => resolve(undefined))));
    const url = `http://127.0.0.1:${(acceptor.address() as AddressInfo).port}`;
    const first = httpRequest(url);
    const second = httpRequest(url);
    await waitFor(() => held.length === 2, 3_000, 'two requests held');
    expect(server.listening).toBe(false);
    // The first request decided it: it is counted too, not only those after it.
    expect(new Set(open.list())).toEqual(new Set(held));
    release();
    await Promise.all([first, second]);
    await waitFor(() => open.list().length === 0, 3_000, 'responses closed');
  });
});
