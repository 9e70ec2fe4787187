import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { selfMetrics } from '@dynotel/core';
import { afterEach, describe, expect, it } from 'vitest';
import { closeLogger, createLogger, flushLogger, loggingErrors } from '../src/index.ts';
import { capture } from './support/capture.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempFd(): { fd: number; file: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'dynotel-logging-'));
  dirs.push(dir);
  const file = path.join(dir, 'out.log');
  return { fd: openSync(file, 'w'), file };
}

describe('flushLogger / closeLogger (for the shutdown coordinator)', () => {
  it('flushLogger resolves once every line written so far is in the file', async () => {
    const { fd, file } = tempFd();
    const logger = createLogger({ format: 'jsonl', destination: fd, logUncaughtExceptions: false });
    for (let i = 0; i < 100; i++) logger.info({ i }, 'batched');
    expect(readFileSync(file, 'utf8')).toBe(''); // batched until the end of this turn
    await flushLogger(logger);
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    expect(lines.map((line) => JSON.parse(line).i)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    await closeLogger(logger);
    closeSync(fd);
  });

  it('writes a long synchronous burst as it goes: a healthy destination never fills the bounded buffer', async () => {
    const { fd, file } = tempFd();
    const counter = selfMetrics.counter(
      'dynotel_log_lines_dropped_total',
      'Log lines dynotel could not write, by reason.',
    );
    const before = counter.get({ reason: 'buffer_full' });
    const logger = createLogger({
      format: 'jsonl',
      destination: fd,
      maxBufferBytes: 256 * 1024,
      logUncaughtExceptions: false,
    });
    const payload = 'p'.repeat(400);
    for (let i = 0; i < 20_000; i++) logger.info({ i, payload }, 'burst'); // ~9 MB in one turn
    expect(counter.get({ reason: 'buffer_full' })).toBe(before);
    await flushLogger(logger);
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(20_000);
    expect(JSON.parse(lines.at(-1) as string).i).toBe(19_999);
    await closeLogger(logger);
    closeSync(fd);
  });

  it('closeLogger flushes, unhooks uncaught-exception logging, and writes later lines synchronously', async () => {
    const { fd, file } = tempFd();
    const monitorsBefore = process.listenerCount('uncaughtExceptionMonitor');
    const logger = createLogger({ format: 'jsonl', destination: fd });
    expect(process.listenerCount('uncaughtExceptionMonitor')).toBe(monitorsBefore + 1);
    logger.info('before close');
    await closeLogger(logger);
    expect(process.listenerCount('uncaughtExceptionMonitor')).toBe(monitorsBefore);
    logger.child({ target: 'shutdown' }).info('after close');
    const messages = readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line).message);
    expect(messages).toEqual(['before close', 'after close']);
    await closeLogger(logger); // twice is fine
    closeSync(fd);
  });

  it('counts lines written after the destination stream was destroyed, without throwing', () => {
    const out = capture();
    const logger = createLogger({ format: 'jsonl', destination: out.stream, logUncaughtExceptions: false });
    const counter = selfMetrics.counter(
      'dynotel_log_lines_dropped_total',
      'Log lines dynotel could not write, by reason.',
    );
    const before = counter.get({ reason: 'closed' });
    out.stream.destroy();
    expect(() => logger.info('into the void')).not.toThrow();
    expect(counter.get({ reason: 'closed' })).toBe(before + 1);
  });

  it('rejects bad options with catalogued errors that name the argument', () => {
    expect(() => createLogger({ format: 'xml' as 'jsonl' })).toThrow(
      /format must be 'jsonl' or 'readable', got "xml"/,
    );
    expect(() => createLogger({ level: 'loud' as 'info' })).toThrow(/level must be one of/);
    expect(() => createLogger({ maxFieldLength: 0 })).toThrow(/maxFieldLength must be a positive integer/);
    expect(() => createLogger({ destination: 'stdout' as unknown as number })).toThrow(
      expect.objectContaining({ code: 'ERR_DYNOTEL_LOGGING_INVALID_DESTINATION' }),
    );
    expect(() => flushLogger({} as never)).toThrow(
      expect.objectContaining({ code: 'ERR_DYNOTEL_LOGGING_INVALID_OPTION' }),
    );
    expect(Object.keys(loggingErrors.errors).sort()).toEqual([
      'ERR_DYNOTEL_LOGGING_INVALID_DESTINATION',
      'ERR_DYNOTEL_LOGGING_INVALID_OPTION',
    ]);
  });
});
