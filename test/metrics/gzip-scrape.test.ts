import { request } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { createHealthHandlers, createHealthState } from '@dynotel/health';
import { createMetricsRoot, negotiateEncoding, parseExposition } from '@dynotel/metrics';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listen, type RunningServer } from '../support/http-server.ts';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

function get(url: string, headers: Record<string, string>): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** The scrape served by the health package's /metrics handler through `level.scrapeHttp`, as init() wires it. */
describe('/metrics with gzip', () => {
  let server: RunningServer;
  const root = createMetricsRoot();
  const ns = root.namespace('ns');
  beforeAll(async () => {
    const requests = ns.counter({ name: 'requests_total', help: 'h', labelNames: ['i'] });
    for (let i = 0; i < 5000; i++) requests.labels(String(i)).inc(i);
    ns.addExpositionCallback(() => '# TYPE eng_g gauge\neng_g 3\n');
    const handlers = createHealthHandlers({
      health: createHealthState(),
      metrics: (accept, acceptEncoding) => ns.scrapeHttp(accept, acceptEncoding),
    });
    server = await listen((req, res) => {
      if (!handlers.handle(req, res)) res.writeHead(404).end();
    });
  });
  afterAll(() => server.close());

  it('is compressed when the scraper accepts gzip (as Prometheus sends it), identical once inflated', async () => {
    const plain = await get(`${server.url}/metrics`, {});
    expect(plain.headers['content-encoding']).toBeUndefined();
    const zipped = await get(`${server.url}/metrics`, { 'accept-encoding': 'gzip' });
    expect(zipped.status).toBe(200);
    expect(zipped.headers['content-encoding']).toBe('gzip');
    expect(zipped.headers.vary).toBe('Accept-Encoding');
    const inflated = gunzipSync(zipped.body).toString('utf8');
    expect(inflated).toBe(plain.body.toString('utf8'));
    expect(zipped.body.length).toBeLessThan(plain.body.length / 4);
    expect(parseExposition(inflated, { format: 'text' }).ok).toBe(true);
  });

  it('negotiates OpenMetrics and gzip together', async () => {
    const zipped = await get(`${server.url}/metrics`, {
      accept: 'application/openmetrics-text;version=1.0.0',
      'accept-encoding': 'gzip, deflate',
    });
    expect(zipped.headers['content-type']).toContain('application/openmetrics-text');
    const inflated = gunzipSync(zipped.body).toString('utf8');
    expect(inflated.endsWith('# EOF\n')).toBe(true);
    expect(parseExposition(inflated, { format: 'openmetrics' }).ok).toBe(true);
  });

  it('picks gzip only when accepted with a weight above 0', () => {
    expect(negotiateEncoding(undefined)).toBe('identity');
    expect(negotiateEncoding('gzip')).toBe('gzip');
    expect(negotiateEncoding('br;q=1, gzip;q=0.5')).toBe('gzip');
    expect(negotiateEncoding('gzip;q=0')).toBe('identity');
    expect(negotiateEncoding('*')).toBe('gzip');
    expect(negotiateEncoding('*;q=0, gzip;q=0')).toBe('identity');
    expect(negotiateEncoding('identity')).toBe('identity');
  });
});
