/**
 * The READMEs' Express and Fastify snippets, copied as written (only the listen on the test's port is
 * added or put in place of 8000), on the installed tarballs: the system port's /health is 200 once the app
 * listens, before any request reached the app; dynotel's routes answer on the app port, 405 with Allow
 * for a wrong method; a request gets its id and its access line.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type AdopterApp, adopterNodes, startAdopterApp } from './support/adopter-app.ts';
import { readmeSnippet } from './support/readme.ts';

const LISTEN_EXPRESS = "app.listen(Number(process.env.PORT), '127.0.0.1');";
const LISTEN_FASTIFY = "await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });";

const snippets = [
  { readme: 'README.md', marker: 'Express:', listen: LISTEN_EXPRESS },
  { readme: 'README.md', marker: 'Fastify:', listen: LISTEN_FASTIFY },
  { readme: 'packages/dynotel/README.md', marker: '## Express', listen: LISTEN_EXPRESS },
  { readme: 'packages/dynotel/README.md', marker: '## Fastify', listen: LISTEN_FASTIFY },
  { readme: 'packages/dynotel/README.md', marker: '### Express: errors', listen: LISTEN_EXPRESS },
  {
    readme: 'packages/dynotel/README.md',
    marker: '### Fastify: logger, inject, HTTP/2',
    listen: LISTEN_FASTIFY,
  },
];

function runnable(snippet: string, listen: string): string {
  if (snippet.includes('app.listen(8000);')) return snippet.replace('app.listen(8000);', listen);
  if (snippet.includes('listen(')) throw new Error(`a snippet listening elsewhere than 8000:\n${snippet}`);
  return `${snippet}${listen}\n`;
}

describe.each(adopterNodes())('README snippets on $name', (node) => {
  let app: AdopterApp | undefined;
  afterEach(async () => {
    await app?.stop();
    app = undefined;
  });

  it.each(snippets)('$readme "$marker" serves, ready without traffic', async ({ readme, marker, listen }) => {
    app = await startAdopterApp({
      extension: 'mjs',
      source: runnable(readmeSnippet(readme, marker), listen),
      node,
    });
    const health = await fetch(`${app.systemUrl}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ready' });
    // Ready with no request to the app: no access line was written yet.
    expect(app.logs.filter((line) => line.message === 'http response sent')).toEqual([]);

    expect((await fetch(`${app.url}/health`)).status).toBe(200);
    expect((await fetch(`${app.url}/live`)).status).toBe(200);
    expect(await (await fetch(`${app.url}/metrics`)).text()).toContain('dynamo_component_uptime_seconds');
    const post = await fetch(`${app.url}/health`, { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');

    const missing = await fetch(`${app.url}/nope`, { headers: { 'x-request-id': 'adopter-1' } });
    expect(missing.status).toBe(404);
    expect(missing.headers.get('x-request-id')).toBe('adopter-1');
    const access = await app.waitForLog(
      (line) => line.message === 'http response sent' && line.x_request_id === 'adopter-1',
      'the access line of /nope',
    );
    expect(access).toMatchObject({ status: 404, level: 'WARN' });
    if (marker === '### Express: errors') {
      expect((await fetch(`${app.url}/fail`, { headers: { 'x-request-id': 'adopter-2' } })).status).toBe(500);
      const failed = await app.waitForLog((line) => line.message === 'request failed', "'request failed'");
      expect(failed).toMatchObject({ x_request_id: 'adopter-2', err: { message: 'boom' } });
    }
    expect(app.stderr).toEqual([]);
  });
});
