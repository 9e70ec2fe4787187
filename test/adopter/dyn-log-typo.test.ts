/**
 * A mistyped level in `DYN_LOG` (docs/configuration.md): `DYN_LOG=verbose` is not silently taken for a
 * target name; one warning names the variable and the value, and the app still starts and logs at the
 * default level.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type AdopterApp, adopterNodes, startAdopterApp } from './support/adopter-app.ts';

const SOURCE = `
import { createServer } from 'node:http';

createServer((req, res) => res.end('ok')).listen(Number(process.env.PORT), '127.0.0.1');
`;

describe.each(adopterNodes())('DYN_LOG typo on $name', (node) => {
  let app: AdopterApp | undefined;
  afterEach(async () => {
    await app?.stop();
    app = undefined;
  });

  it('DYN_LOG=verbose: one warning naming DYN_LOG and verbose', async () => {
    app = await startAdopterApp({
      extension: 'mjs',
      source: SOURCE,
      node,
      args: ['--import', 'dynotel/register'],
      env: { DYN_LOG: 'verbose' },
    });
    const request = await fetch(`${app.url}/`, { headers: { 'x-request-id': 'typo-1' } });
    expect(request.status).toBe(200);
    // Lines at the default level (info) are still written.
    await app.waitForLog(
      (line) => line.message === 'http response sent' && line.x_request_id === 'typo-1',
      'the access line (info)',
    );
    const warnings = app.logs.filter((line) => line.level === 'WARN');
    expect(warnings).toHaveLength(1);
    const text = JSON.stringify(warnings[0]);
    expect(text).toContain('DYN_LOG');
    expect(text).toContain('verbose');
    expect(app.stderr).toEqual([]);
    expect(await app.stop()).toBe(0);
  });
});
