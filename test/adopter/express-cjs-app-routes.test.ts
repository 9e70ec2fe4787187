/**
 * An existing CommonJS Express service adopting dynotel: its own /health and /metrics (with its own
 * metric) keep answering, dynotel keeps /live and answers 405 on it, and a handler's error is logged
 * once as a JSON line with the request's ids, never as plain text on stderr.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type AdopterApp, adopterNodes, startAdopterApp } from './support/adopter-app.ts';

const SOURCE = `
const express = require('express');
const { init } = require('dynotel');
const { dynotel } = require('dynotel/express');

const telemetry = init();
const app = express();
app.use(dynotel(telemetry));
app.get('/health', (_req, res) => res.json({ mine: true }));
app.get('/metrics', (_req, res) => res.type('text/plain').send('my_app_requests_total 7\\n'));
app.get('/fail', () => {
  throw new Error('handler exploded');
});
app.listen(Number(process.env.PORT), '127.0.0.1');
`;

describe.each(adopterNodes())('Express (CommonJS) service with its own routes on $name', (node) => {
  let app: AdopterApp | undefined;
  afterEach(async () => {
    await app?.stop();
    app = undefined;
  });

  it("keeps the app's /health and /metrics, and logs a handler's error once with its ids", async () => {
    app = await startAdopterApp({ extension: 'cjs', source: SOURCE, node });
    // Ready on the system port without traffic; dynotel's metrics stay there.
    expect((await fetch(`${app.systemUrl}/health`)).status).toBe(200);
    expect(await (await fetch(`${app.systemUrl}/metrics`)).text()).toContain(
      'dynamo_component_uptime_seconds',
    );

    expect(await (await fetch(`${app.url}/health`)).json()).toEqual({ mine: true });
    expect(await (await fetch(`${app.url}/metrics`)).text()).toBe('my_app_requests_total 7\n');
    expect((await fetch(`${app.url}/live`)).status).toBe(200);
    const wrong = await fetch(`${app.url}/live`, { method: 'PUT' });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('GET, HEAD');

    const failed = await fetch(`${app.url}/fail`, { headers: { 'x-request-id': 'boom-1' } });
    expect(failed.status).toBe(500);
    const error = await app.waitForLog((line) => line.message === 'request failed', "'request failed'");
    expect(error).toMatchObject({
      level: 'ERROR',
      x_request_id: 'boom-1',
      err: { type: 'Error', message: 'handler exploded' },
    });
    expect(String((error.err as { stack?: unknown }).stack)).toContain('handler exploded');
    expect(error.trace_id).toMatch(/^[0-9a-f]{32}$/);
    const access = await app.waitForLog(
      (line) => line.message === 'http response sent' && line.x_request_id === 'boom-1',
      'the access line of /fail',
    );
    expect(access).toMatchObject({ level: 'ERROR', status: 500, error: 'handler exploded' });
    expect(app.logs.filter((line) => line.message === 'request failed')).toHaveLength(1);
    expect(app.stderr).toEqual([]);
  });
});
