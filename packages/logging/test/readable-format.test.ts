import { runWithRequestContext } from '@dynotel/core';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../src/index.ts';
import { capture } from './support/capture.ts';

const LINE = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z) ( INFO|ERROR| WARN|DEBUG|TRACE) ([^:]+): (.*)$/;

describe('readable layout (Dynamo §4.5)', () => {
  it('writes `time  LEVEL target: message key=value` without colours when not a terminal', () => {
    const out = capture();
    const logger = createLogger({
      destination: out.stream,
      logUncaughtExceptions: false,
      base: { component: 'backend' },
    });
    runWithRequestContext({ requestId: 'r-1' }, () =>
      logger.info({ count: 3, name: 'two words' }, 'VllmWorker has been initialized'),
    );
    logger.child({ target: 'main.init' }).error('failed');
    const [first, second] = out.lines();
    const match = LINE.exec(first as string);
    expect(match?.[2]).toBe(' INFO');
    expect(match?.[3]).toBe('main');
    expect(match?.[4]).toBe(
      'VllmWorker has been initialized component="backend" count=3 name="two words" request_id="r-1"',
    );
    expect(first).toContain('Z  INFO main: '); // two spaces: the level is right-aligned to 5
    expect(second).toMatch(/Z ERROR main\.init: failed component="backend"$/);
    expect(out.text()).not.toContain('\u001b[');
  });

  it('colours the output on a terminal unless ansi is off (DYN_SDK_DISABLE_ANSI_LOGGING)', () => {
    const tty = capture({ isTTY: true });
    createLogger({ destination: tty.stream, logUncaughtExceptions: false }).warn('coloured');
    expect(tty.text()).toContain('\u001b[33m WARN\u001b[0m');
    const plain = capture({ isTTY: true });
    createLogger({ destination: plain.stream, logUncaughtExceptions: false, ansi: false }).warn('plain');
    expect(plain.text()).not.toContain('\u001b[');
  });

  it('keeps one line per call: line breaks and escape sequences in messages and targets are escaped', () => {
    const out = capture({ isTTY: true });
    const logger = createLogger({ destination: out.stream, logUncaughtExceptions: false, ansi: false });
    logger.child({ target: 'evil\ntarget' }).info({ 'k\ney': 'v\r\nw' }, 'first\nsecond\u2028third\u001b[2J');
    const lines = out.lines();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('evil\\ntarget: first\\nsecond\\u2028third\\u001b[2J');
    // A key that is not one bare word is written as a JSON string (it cannot pass for another field).
    expect(lines[0]).toContain('"k\\ney"="v\\r\\nw"');
  });
});
