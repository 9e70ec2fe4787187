/**
 * Every environment variable dynotel reads, with malformed values (property-based): readConfig never
 * throws in the default mode, and each rejected value comes back as a problem that names the variable;
 * strict mode throws exactly ERR_DYNOTEL_CONFIG_INVALID naming it, or accepts the value. Then init()
 * with many hostile variables at once: it never throws, returns a handle whose logger, metrics and
 * shutdown work, and writes only JSON lines.
 */
import { Writable } from 'node:stream';
import { ENV_TABLE, isDynotelError, readConfig } from '@dynotel/core';
import { init } from 'dynotel';
import { resetTelemetryForTests } from 'dynotel/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { recordFigures } from './support/report.ts';
import { sized } from './support/settings.ts';

const RUNS_PER_VARIABLE = sized(40, 200);
const INIT_RUNS = sized(15, 60);

const tricky = fc.constantFrom(
  '',
  ' ',
  '\t1\t',
  '-1',
  '0',
  '-0',
  '1e309',
  '1e-309',
  'NaN',
  'Infinity',
  '-Infinity',
  '99999999999999999999999',
  '0x10',
  '1_000',
  '1.5',
  '007',
  'true',
  'TRUE',
  'yes',
  'off',
  'null',
  'undefined',
  'http://',
  'http://[::1',
  'grpc://x:99999',
  'ftp://h/p',
  'a=b,c',
  '=,=,',
  '%zz',
  '\u0000',
  '..',
  '/',
  '/dev/null',
  '/proc/self/mem',
  'é🎉',
  '\ud800',
  'a'.repeat(10_000),
  '$' + '{HOME}',
  '__proto__',
  'constructor',
);
const hostileValue = fc.oneof(
  tricky,
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.integer().map(String),
  fc.double().map(String),
  fc
    .array(fc.constantFrom('a', '=', ',', ';', ' ', '/', ':', '1', '*', '-', '.', '"'), { maxLength: 30 })
    .map((p) => p.join('')),
);

const names = ENV_TABLE.map((row) => row.name);
// A valid but long drain delay or timeout is the user's choice, not a fault: init() runs keep them short.
const initNames = names.filter((name) => !name.startsWith('DYN_SHUTDOWN_'));

describe('hostile environment values', () => {
  it(`readConfig: ${names.length} variables × ${RUNS_PER_VARIABLE} malformed values each`, () => {
    let cases = 0;
    let rejected = 0;
    let strictThrows = 0;
    for (const name of names) {
      fc.assert(
        fc.property(hostileValue, (value) => {
          cases++;
          const { config, problems } = readConfig({ [name]: value });
          expect(Object.isFrozen(config)).toBe(true);
          for (const problem of problems) {
            expect(problem.message.length).toBeGreaterThan(0);
            expect(problem.message).toContain(problem.variable);
          }
          const invalid = problems.filter((p) => p.kind === 'invalid');
          if (invalid.length > 0) rejected++;
          try {
            readConfig({ [name]: value }, { strict: true });
            expect(invalid).toEqual([]);
          } catch (error) {
            expect(isDynotelError(error) && error.code === 'ERR_DYNOTEL_CONFIG_INVALID', String(error)).toBe(
              true,
            );
            strictThrows++;
            for (const problem of invalid) expect((error as Error).message).toContain(problem.variable);
          }
        }),
        { numRuns: RUNS_PER_VARIABLE, endOnFailure: true },
      );
    }
    recordFigures('hostile-env-readconfig', { variables: names.length, cases, rejected, strictThrows });
  });

  it(`init() with up to 12 hostile variables at once, ${INIT_RUNS} times: never throws, keeps working`, async () => {
    let degraded = 0;
    let lines = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.dictionary(fc.constantFrom(...initNames), hostileValue, { maxKeys: 12 }),
        async (hostile) => {
          const env: Record<string, string> = {
            ...hostile,
            DYN_CONFIG_STRICT: '0',
            DYN_SHUTDOWN_DRAIN_DELAY: '0',
            DYN_SHUTDOWN_TIMEOUT: '2',
          };
          const written: string[] = [];
          const destination = new Writable({
            write(chunk: Buffer, _encoding, callback) {
              written.push(
                ...chunk
                  .toString('utf8')
                  .split('\n')
                  .filter((line) => line !== ''),
              );
              callback();
            },
          });
          const telemetry = init({
            env,
            handleSignals: false,
            exitOnShutdown: false,
            logDestination: destination,
          });
          try {
            if (telemetry.degraded) degraded++;
            telemetry.logger.info({ probe: true }, 'still logging');
            const scrape = await telemetry.metrics.scrape(undefined);
            expect(scrape).toBeDefined();
          } finally {
            const shutdown = await Promise.race([
              telemetry.shutdown('fuzz').then(() => 'done'),
              new Promise((resolve) => setTimeout(() => resolve('timeout'), 15_000)),
            ]);
            resetTelemetryForTests();
            expect(shutdown).toBe('done');
          }
          lines += written.length;
          // With DYN_LOGGING_JSONL hostile the format may be readable text; when it is JSONL every line parses.
          if (telemetry.config.logging.jsonl)
            for (const line of written) expect(() => JSON.parse(line)).not.toThrow();
        },
      ),
      { numRuns: INIT_RUNS, endOnFailure: true },
    );
    recordFigures('hostile-env-init', { runs: INIT_RUNS, degraded, lines });
  });
});
