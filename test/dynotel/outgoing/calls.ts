import http from 'node:http';
import { request as undiciRequest } from 'undici';

/**
 * The outgoing calls a request handler makes, written as any application writes them: no dynotel
 * code, no headers of its own except in `/own` (which the instrumentation must leave alone).
 */
export async function makeCalls(recorderUrl: string): Promise<void> {
  await (await fetch(`${recorderUrl}/fetch?token=secret&page=2`)).text();
  await (await undiciRequest(`${recorderUrl}/undici`)).body.text();
  await new Promise<void>((resolve, reject) => {
    http
      .get(`${recorderUrl}/http`, (response) => {
        response.resume();
        response.on('end', resolve);
      })
      .on('error', reject);
  });
  await (await fetch(`${recorderUrl}/status/503`)).text();
  await (
    await fetch(`${recorderUrl}/own`, {
      headers: {
        'x-request-id': 'set-by-the-app',
        traceparent: '00-11111111111111111111111111111111-2222222222222222-01',
      },
    })
  ).text();
}

/** Paths `makeCalls` hits that the instrumentation propagates to, with the client that made each call. */
export const PROPAGATED_PATHS = ['/fetch', '/undici', '/http', '/status/503'] as const;
