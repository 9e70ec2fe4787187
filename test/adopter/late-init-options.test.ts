/**
 * `init(options)` in an app started with `--import dynotel/register` (packages/dynotel/README.md): the
 * handle exists already, so `init({ serviceName: 'x' })` changes nothing and says so in one warning naming
 * the option, while `init({ handleSignals: false })` applies: SIGTERM is then Node's own again (the
 * process ends by the signal, with no shutdown sequence).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type AdopterApp, adopterNodes, startAdopterApp } from './support/adopter-app.ts';

const REGISTER = ['--import', 'dynotel/register'];

function app(options: string): string {
  return `
import { createServer } from 'node:http';
import { init } from 'dynotel';

const telemetry = init(${options});
telemetry.logger.info({ service: telemetry.config.identity.serviceName }, 'app started');
createServer((req, res) => res.end('ok')).listen(Number(process.env.PORT), '127.0.0.1');
`;
}

describe.each(adopterNodes())('init(options) after dynotel/register on $name', (node) => {
  let running: AdopterApp | undefined;
  afterEach(async () => {
    await running?.stop();
    running = undefined;
  });

  it("init({ serviceName: 'x' }) warns once, naming the ignored option", async () => {
    running = await startAdopterApp({
      extension: 'mjs',
      source: app("{ serviceName: 'x' }"),
      node,
      args: REGISTER,
    });
    const started = await running.waitForLog(
      (line) => line.message === 'app started',
      "the app's first line",
    );
    // The handle register made is kept: its service name is not 'x'.
    expect(started.service).not.toBe('x');
    const warnings = running.logs.filter((line) => line.level === 'WARN');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ target: 'dynotel', ignored: 'serviceName' });
    expect(String(warnings[0]!.message)).toContain('serviceName');
    expect(running.stderr).toEqual([]);
    expect(await running.stop()).toBe(0);
  });

  it('init({ handleSignals: false }) applies: SIGTERM ends the process as Node does', async () => {
    running = await startAdopterApp({
      extension: 'mjs',
      source: app('{ handleSignals: false }'),
      node,
      args: REGISTER,
    });
    await running.waitForLog((line) => line.message === 'app started', "the app's first line");
    expect(running.logs.filter((line) => line.level === 'WARN')).toEqual([]);
    running.child.kill('SIGTERM');
    const exit = await running.waitForExit(10_000, 'on SIGTERM');
    expect(exit).toEqual({ code: null, signal: 'SIGTERM' });
    expect(running.logs.map((line) => line.message)).not.toContain(
      'shutdown started: readiness is notready, draining',
    );
  });
});
