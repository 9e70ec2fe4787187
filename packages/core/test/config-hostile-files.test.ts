import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readConfig } from '../src/index.ts';

// Regressions found by test/reliability/hostile-canary.test.ts: `@file` payloads that never end, block,
// are huge, or are nested so deep that freezing the configuration overflowed the stack.
const dir = mkdtempSync(join(tmpdir(), 'dynotel-hostile-files-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function payloadProblem(value: string): string | undefined {
  const { config, problems } = readConfig({ DYN_HEALTH_CHECK_PAYLOAD: value });
  expect(config.health.canaryPayload).toBeUndefined();
  expect(problems).toHaveLength(1);
  expect(problems[0]?.message).toContain('DYN_HEALTH_CHECK_PAYLOAD');
  return problems[0]?.message;
}

describe('DYN_HEALTH_CHECK_PAYLOAD=@file of hostile files', () => {
  it('refuses a device that never ends (@/dev/zero was read until memory ran out)', () => {
    expect(payloadProblem('@/dev/zero')).toContain('not a regular file');
  });

  it('refuses a FIFO without blocking (opening one for reading waited for a writer forever)', () => {
    const fifo = join(dir, 'payload.fifo');
    execFileSync('mkfifo', [fifo]);
    expect(payloadProblem(`@${fifo}`)).toContain('not a regular file');
  });

  it('refuses a file over 1 MiB', () => {
    const big = join(dir, 'big.json');
    writeFileSync(big, `{"pad":"${'x'.repeat(1024 * 1024)}"}`);
    expect(payloadProblem(`@${big}`)).toContain('larger than 1048576 bytes');
  });

  it('still reads an ordinary payload file', () => {
    const file = join(dir, 'ok.json');
    writeFileSync(file, '{"prompt":"hi","max_tokens":1}');
    expect(readConfig({ DYN_HEALTH_CHECK_PAYLOAD: `@${file}` }).config.health.canaryPayload).toEqual({
      prompt: 'hi',
      max_tokens: 1,
    });
  });

  it('refuses JSON nested deeper than 100 levels instead of throwing a RangeError from readConfig', () => {
    const deep = `${'{"a":'.repeat(200_000)}1${'}'.repeat(200_000)}`;
    expect(payloadProblem(deep)).toContain('nested deeper than 100 levels');
    const fine = `${'{"a":'.repeat(100)}1${'}'.repeat(100)}`;
    expect(readConfig({ DYN_HEALTH_CHECK_PAYLOAD: fine }).problems).toEqual([]);
    // Brackets inside strings do not count.
    expect(readConfig({ DYN_HEALTH_CHECK_PAYLOAD: `{"s":"${'['.repeat(500)}"}` }).problems).toEqual([]);
  });
});
