import { type DiagnosticRecord, diag } from '@dynotel/core';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createHealthState,
  type HealthState,
  type SystemServer,
  type SystemServerOptions,
  startSystemServer,
} from '../src/index.ts';
import { httpRequest } from './http-client.ts';
import { isDynotelErrorCode } from './support.ts';

let server: SystemServer | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function start(health: HealthState, extra: Partial<SystemServerOptions> = {}) {
  server = await startSystemServer({ health, host: '127.0.0.1', port: 0, ...extra });
  if (server === undefined) throw new Error('server disabled');
  return server;
}

describe('system status server', () => {
  it('is disabled for a negative port and binds a random port for 0', async () => {
    const health = createHealthState();
    expect(await startSystemServer({ health, port: -1 })).toBeUndefined();
    expect(await startSystemServer({ health })).toBeUndefined();
    const records: DiagnosticRecord[] = [];
    diag.setSink((record) => records.push(record));
    try {
      const s = await start(health);
      expect(s.port).toBeGreaterThan(0);
      expect(s.url).toBe(`http://127.0.0.1:${s.port}`);
      await httpRequest(`${s.url}/live`);
      // The bound port is logged once, so an operator can find a random port.
      const logged = records.filter((r) => r.message.includes('System status server listening'));
      expect(logged).toHaveLength(1);
      expect(logged[0]).toMatchObject({ level: 'info', fields: { host: '127.0.0.1', port: s.port } });
    } finally {
      diag.reset();
    }
  });

  it('answers /health with Dynamo’s body as application/json: 503 notready, then 200 ready', async () => {
    const health = createHealthState();
    const s = await start(health);
    const before = await httpRequest(`${s.url}/health`);
    expect(before.status).toBe(503);
    expect(before.headers['content-type']).toBe('application/json');
    const body = JSON.parse(before.body);
    expect(Object.keys(body)).toEqual(['endpoints', 'status', 'uptime']);
    expect(body.endpoints).toEqual({});
    expect(body.status).toBe('notready');
    expect(Object.keys(body.uptime)).toEqual(['nanos', 'secs']);
    expect(Number.isInteger(body.uptime.secs) && body.uptime.secs >= 0).toBe(true);
    expect(Number.isInteger(body.uptime.nanos) && body.uptime.nanos >= 0 && body.uptime.nanos < 1e9).toBe(
      true,
    );
    expect(before.body).toMatch(
      /^\{"endpoints":\{\},"status":"notready","uptime":\{"nanos":\d+,"secs":\d+\}\}$/,
    );

    health.setProcessStatus('ready');
    const after = await httpRequest(`${s.url}/health`);
    expect(after.status).toBe(200);
    expect(JSON.parse(after.body).status).toBe('ready');
    expect(after.headers['content-length']).toBe(String(Buffer.byteLength(after.body)));
  });

  it('lists endpoints in the body, sorted', async () => {
    const health = createHealthState({ endpointHealthStatus: ['generate', 'embed'] });
    const s = await start(health);
    health.registerEndpoint('generate');
    const answer = await httpRequest(`${s.url}/health`);
    expect(answer.body).toMatch(
      /^\{"endpoints":\{"embed":"notready","generate":"ready"\},"status":"notready"/,
    );
    expect(answer.status).toBe(503);
  });

  it('answers /live 200 regardless of readiness', async () => {
    const health = createHealthState();
    const s = await start(health);
    const live = await httpRequest(`${s.url}/live`);
    expect(live.status).toBe(200);
    expect(live.headers['content-type']).toBe('application/json');
    expect(JSON.parse(live.body)).toEqual({ status: 'live', message: 'Service is live' });
  });

  it('live stays 200 while draining and turns 503 shutting_down after the drain', async () => {
    const health = createHealthState({ startingStatus: 'ready' });
    const s = await start(health);
    health.setPhase('draining');
    expect((await httpRequest(`${s.url}/live`)).status).toBe(200);
    const ready = await httpRequest(`${s.url}/health`);
    expect(ready.status).toBe(503);
    expect(JSON.parse(ready.body).status).toBe('notready');
    health.setPhase('shutting_down');
    const live = await httpRequest(`${s.url}/live`);
    expect(live.status).toBe(503);
    expect(JSON.parse(live.body)).toEqual({ status: 'shutting_down', message: 'Service is shutting down' });
    // The phase never moves back.
    health.setPhase('draining');
    expect((await httpRequest(`${s.url}/live`)).status).toBe(503);
  });

  it('replaces the default paths with custom ones; the defaults then answer 404 Route not found', async () => {
    const health = createHealthState({ startingStatus: 'ready' });
    const s = await start(health, { healthPath: '/custom/health', livePath: '/custom/live' });
    expect((await httpRequest(`${s.url}/custom/health`)).status).toBe(200);
    expect((await httpRequest(`${s.url}/custom/live`)).status).toBe(200);
    for (const path of ['/health', '/live', '/', '/healthz', '/custom']) {
      const answer = await httpRequest(`${s.url}${path}`);
      expect(answer.status, path).toBe(404);
      expect(answer.body).toBe('Route not found');
    }
  });

  it('ignores query strings', async () => {
    const health = createHealthState({ startingStatus: 'ready' });
    const s = await start(health);
    expect((await httpRequest(`${s.url}/health?verbose=1&x=%zz`)).status).toBe(200);
    expect((await httpRequest(`${s.url}/live?`)).status).toBe(200);
    expect((await httpRequest(`${s.url}/metrics?name[]=x`)).status).toBe(200);
  });

  it('answers HEAD with the GET status and headers but no body', async () => {
    const health = createHealthState();
    const s = await start(health);
    const get = await httpRequest(`${s.url}/health`);
    const head = await httpRequest(`${s.url}/health`, { method: 'HEAD' });
    expect(head.status).toBe(503);
    expect(head.body).toBe('');
    expect(head.headers['content-type']).toBe('application/json');
    // The length a GET would have sent; the uptime digits may differ by a byte or two between the two calls.
    expect(
      Math.abs(Number(head.headers['content-length']) - Buffer.byteLength(get.body)),
    ).toBeLessThanOrEqual(2);
    expect((await httpRequest(`${s.url}/live`, { method: 'HEAD' })).status).toBe(200);
    expect((await httpRequest(`${s.url}/nope`, { method: 'HEAD' })).status).toBe(404);
  });

  it('answers other methods 405 with Allow, and ignores request bodies', async () => {
    const health = createHealthState();
    const s = await start(health);
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']) {
      for (const path of ['/health', '/live', '/metrics']) {
        const answer = await httpRequest(`${s.url}${path}`, {
          method,
          body: method === 'POST' ? 'x'.repeat(1000) : undefined,
        });
        expect(answer.status, `${method} ${path}`).toBe(405);
        expect(answer.headers.allow).toBe('GET, HEAD');
      }
    }
  });

  it('serves /metrics through the injected scrape, passing the Accept header', async () => {
    const health = createHealthState();
    const accepts: (string | undefined)[] = [];
    const s = await start(health, {
      metrics: async (accept) => {
        accepts.push(accept);
        return accept?.includes('openmetrics')
          ? {
              contentType: 'application/openmetrics-text; version=1.0.0; charset=utf-8',
              body: 'a_total 1\n# EOF\n',
            }
          : { contentType: 'text/plain; version=0.0.4; charset=utf-8', body: 'a_total 1\n' };
      },
    });
    const plain = await httpRequest(`${s.url}/metrics`);
    expect(plain.status).toBe(200);
    expect(plain.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(plain.body).toBe('a_total 1\n');
    const om = await httpRequest(`${s.url}/metrics`, { headers: { accept: 'application/openmetrics-text' } });
    expect(om.body).toBe('a_total 1\n# EOF\n');
    expect(accepts).toEqual([undefined, 'application/openmetrics-text']);
  });

  it('streams a chunked scrape body with backpressure, and sends no body to HEAD', async () => {
    const chunks = Array.from({ length: 64 }, (_, i) => `# chunk ${i}\n${'x'.repeat(64 * 1024)}\n`);
    const s = await start(createHealthState(), {
      metrics: async () => ({
        contentType: 'text/plain; version=0.0.4; charset=utf-8',
        body: (async function* () {
          yield* chunks;
        })(),
      }),
    });
    const get = await httpRequest(`${s.url}/metrics`);
    expect(get.status).toBe(200);
    expect(get.body).toBe(chunks.join(''));
    const head = await httpRequest(`${s.url}/metrics`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
  });

  it('answers an empty valid exposition without a metrics function, and 500 when the scrape fails', async () => {
    const health = createHealthState();
    const s = await start(health);
    const empty = await httpRequest(`${s.url}/metrics`);
    expect(empty.status).toBe(200);
    expect(empty.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(empty.body).toBe('');
    await s.close();
    server = undefined;
    const failing = await start(health, {
      metrics: () => Promise.reject(new Error('secret-host:5432 unreachable')),
    });
    const answer = await httpRequest(`${failing.url}/metrics`);
    expect(answer.status).toBe(500);
    expect(answer.body).not.toContain('secret-host');
  });

  it('bounds concurrent scrapes: over the limit answers 503, and later scrapes succeed again', async () => {
    const health = createHealthState();
    const releases: (() => void)[] = [];
    const s = await start(health, {
      maxConcurrentScrapes: 2,
      metrics: () =>
        new Promise((resolve) =>
          releases.push(() => resolve({ contentType: 'text/plain; version=0.0.4', body: 'x 1\n' })),
        ),
    });
    const first = [httpRequest(`${s.url}/metrics`), httpRequest(`${s.url}/metrics`)];
    while (releases.length < 2) await new Promise((r) => setTimeout(r, 5));
    const rejected = await httpRequest(`${s.url}/metrics`);
    expect(rejected.status).toBe(503);
    expect(rejected.headers['retry-after']).toBe('1');
    for (const release of releases.splice(0)) release();
    expect((await Promise.all(first)).map((a) => a.status)).toEqual([200, 200]);
    const again = httpRequest(`${s.url}/metrics`);
    while (releases.length < 1) await new Promise((r) => setTimeout(r, 5));
    releases[0]!();
    expect((await again).status).toBe(200);
  });

  it('rejects bad options with coded errors naming the option', async () => {
    const health = createHealthState();
    await expect(startSystemServer({ health, port: 70_000 })).rejects.toSatisfy((e) =>
      isDynotelErrorCode(e, 'ERR_DYNOTEL_HEALTH_INVALID_OPTION', "'port'"),
    );
    await expect(startSystemServer({ health, port: 0, healthPath: 'health' })).rejects.toSatisfy((e) =>
      isDynotelErrorCode(e, 'ERR_DYNOTEL_HEALTH_INVALID_OPTION', "'healthPath'"),
    );
  });
});
