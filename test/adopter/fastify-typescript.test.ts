/**
 * A Fastify service written in TypeScript (run with Node's type stripping) adopting dynotel with its
 * logger as Fastify's `loggerInstance`, as the logging README says: compact Dynamo-layout request lines,
 * the app's own /metrics preserved, 405 on dynotel's /health, inject() recording the real status.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type AdopterApp, adopterNodes, startAdopterApp } from './support/adopter-app.ts';

const SOURCE = `
import Fastify, { type FastifyInstance } from 'fastify';
import { init, type Telemetry } from 'dynotel';
import { dynotel } from 'dynotel/fastify';

const telemetry: Telemetry = init();
const app: FastifyInstance = Fastify({ loggerInstance: telemetry.logger });
await app.register(dynotel, { telemetry });
app.get('/metrics', async () => 'my_app_requests_total 3\\n');
app.get('/v1/items/:id', async () => ({ ok: true }));
const injected = await app.inject({ method: 'GET', url: '/v1/items/injected' });
telemetry.logger.info({ injectedStatus: injected.statusCode }, 'inject done');
await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
`;

describe.each(adopterNodes())('Fastify service in TypeScript on $name', (node) => {
  let app: AdopterApp | undefined;
  afterEach(async () => {
    await app?.stop();
    app = undefined;
  });

  it("writes compact lines through dynotel's logger and leaves the app's /metrics alone", async () => {
    app = await startAdopterApp({ extension: 'ts', source: SOURCE, node });
    expect((await fetch(`${app.systemUrl}/health`)).status).toBe(200);
    expect(await (await fetch(`${app.url}/metrics`)).text()).toBe('my_app_requests_total 3\n');
    const post = await fetch(`${app.url}/health`, { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
    await (await fetch(`${app.url}/v1/items/1`)).text();

    const injected = await app.waitForLog(
      (line) => line.message === 'http response sent' && line.route === '/v1/items/:id',
      'the access line of the injected request',
    );
    expect(injected).toMatchObject({ status: 200 });
    expect(injected.aborted).toBeUndefined();
    const incoming = await app.waitForLog(
      (line) => line.message === 'incoming request' && (line.req as { url?: string }).url === '/v1/items/1',
      "Fastify's 'incoming request'",
    );
    expect(Object.keys(incoming.req as object).sort()).toEqual([
      'host',
      'method',
      'remoteAddress',
      'remotePort',
      'url',
    ]);
    expect(Object.keys(incoming).slice(0, 4)).toEqual(['time', 'level', 'target', 'message']);
    const completed = await app.waitForLog(
      (line) => line.message === 'request completed',
      "'request completed'",
    );
    expect(completed.res).toEqual({ statusCode: 200 });
    // Fastify's request lines (they carry its reqId): a few hundred bytes, not the 5–11 KB of raw objects.
    const requestLines = app.logs.filter((line) => line.reqId !== undefined);
    expect(requestLines.length).toBeGreaterThanOrEqual(4);
    for (const line of requestLines) expect(JSON.stringify(line).length).toBeLessThan(600);
    expect(app.stderr).toEqual([]);
  });
});
