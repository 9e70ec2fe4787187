/**
 * A plain node:http service (ESM) with `init()` only: the system port's /health turns 200 once its server
 * listens, with no request, and its requests are still its own (no dynotel route on its port).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type AdopterApp, adopterNodes, startAdopterApp } from './support/adopter-app.ts';

const SOURCE = `
import { createServer } from 'node:http';
import { init } from 'dynotel';

const telemetry = init();
const server = createServer((req, res) => res.end(req.url));
server.listen(Number(process.env.PORT), '127.0.0.1');
`;

describe.each(adopterNodes())('node:http service on $name', (node) => {
  let app: AdopterApp | undefined;
  afterEach(async () => {
    await app?.stop();
    app = undefined;
  });

  it('is ready on the system port once it listens, without traffic', async () => {
    app = await startAdopterApp({ extension: 'mjs', source: SOURCE, node });
    const health = await fetch(`${app.systemUrl}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ready' });
    expect(await (await fetch(`${app.url}/health`)).text()).toBe('/health');
    expect(await app.stop()).toBe(0);
    expect(app.stderr).toEqual([]);
  });
});
