import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createHealthHandlers, createHealthState, startSystemServer } from '../src/index.ts';
import { httpRequest } from './http-client.ts';
import { isDynotelErrorCode } from './support.ts';

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

async function listen(server: Server): Promise<string> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('handlers mounted on the application server', () => {
  it('serve /health, /live and /metrics next to the application routes, which still get the rest', async () => {
    const health = createHealthState({ startingStatus: 'ready' });
    const handlers = createHealthHandlers({
      health,
      metrics: async () => ({ contentType: 'text/plain; version=0.0.4; charset=utf-8', body: 'up 1\n' }),
    });
    const url = await listen(
      createServer((req, res) => {
        if (handlers.handle(req, res)) return;
        res.end(`app ${req.url}`);
      }),
    );
    expect((await httpRequest(`${url}/health`)).status).toBe(200);
    expect(JSON.parse((await httpRequest(`${url}/live`)).body).status).toBe('live');
    expect((await httpRequest(`${url}/metrics`)).body).toBe('up 1\n');
    expect((await httpRequest(`${url}/v1/models?x=1`)).body).toBe('app /v1/models?x=1');
    expect((await httpRequest(`${url}/healthz`)).body).toBe('app /healthz');
    expect(handlers.paths).toEqual({ health: '/health', live: '/live', metrics: '/metrics' });
  });

  it('single handlers work on their own, e.g. under a framework route', async () => {
    const health = createHealthState();
    const handlers = createHealthHandlers({ health });
    const url = await listen(createServer((req, res) => handlers.live(req, res)));
    expect((await httpRequest(`${url}/anything`)).status).toBe(200);
    expect((await httpRequest(`${url}/anything`, { method: 'POST' })).status).toBe(405);
  });

  it('a port already in use fails with ERR_DYNOTEL_HEALTH_LISTEN_FAILED', async () => {
    const busy = createServer();
    const url = await listen(busy);
    const port = Number(new URL(url).port);
    const error = await startSystemServer({ health: createHealthState(), host: '127.0.0.1', port }).catch(
      (e) => e,
    );
    expect(isDynotelErrorCode(error, 'ERR_DYNOTEL_HEALTH_LISTEN_FAILED', 'EADDRINUSE')).toBe(true);
  });
});
