import { runWithRequestContext } from '@dynotel/core';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../src/index.ts';
import { capture } from './support/capture.ts';

// Regression found by test/reliability/hostile-logs.test.ts: a field key holding a space or `=` was
// written bare, so `{ 'a x_request_id': 'forged' }` read as a second x_request_id field.
describe('readable layout: field keys cannot pass for other fields', () => {
  it('writes keys that are not one bare word as JSON strings', () => {
    const out = capture();
    const logger = createLogger({ destination: out.stream, logUncaughtExceptions: false });
    runWithRequestContext({ requestId: 'r-1', xRequestId: 'real-id' }, () =>
      logger.info(
        { 'a x_request_id': 'forged', 'k=v': 1, 'quo"te': 2, '': 3, 'tab\tkey': 4, plain_key: 5 },
        'message',
      ),
    );
    const [line] = out.lines();
    expect(line).toContain(' "a x_request_id"="forged"');
    expect(line).toContain(' "k=v"=1');
    expect(line).toContain(' "quo\\"te"=2');
    expect(line).toContain(' ""=3');
    expect(line).toContain(' "tab\\tkey"=4');
    expect(line).toContain(' plain_key=5');
    // The only bare x_request_id is the real one.
    expect(line?.match(/ x_request_id=/g)).toEqual([' x_request_id=']);
    expect(line).toContain(' x_request_id="real-id"');
  });
});
