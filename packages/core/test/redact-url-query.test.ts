import { describe, expect, it } from 'vitest';
import { REDACTED, readConfig, redactUrlQuery, urlForTelemetry } from '../src/index.ts';

describe('redactUrlQuery (OTel semconv url.query guidance)', () => {
  it.each([
    ['/v1/chat?token=abc', '/v1/chat?token=REDACTED'],
    ['/v1/chat?token=abc&model=x', '/v1/chat?token=REDACTED&model=REDACTED'],
    ['https://h:1/p?a=1&b=&c', 'https://h:1/p?a=REDACTED&b=REDACTED&c'],
    ['/p?a=1=2', '/p?a=REDACTED'],
    ['/p?x=1#access_token=zzz', '/p?x=REDACTED'],
    ['/p#frag', '/p'],
    ['/p?', '/p?'],
    ['/plain', '/plain'],
    ['', ''],
  ])('%s → %s', (input, expected) => {
    expect(redactUrlQuery(input)).toBe(expected);
  });

  it('never lets a value through, whatever it contains (property over generated pairs)', () => {
    for (let i = 0; i < 500; i++) {
      const secret = `s${Math.random().toString(36).slice(2)}`;
      const url = `/x?${'a'.repeat(i % 5)}k=${secret}&z=${secret}%20`;
      const out = redactUrlQuery(url);
      expect(out).not.toContain(secret);
      expect(out).toContain(`k=${REDACTED}`);
    }
  });

  it('DYN_TELEMETRY_KEEP_URL_QUERY opts out; default redacts', () => {
    expect(readConfig({}).config.privacy.keepUrlQuery).toBe(false);
    expect(readConfig({ DYN_TELEMETRY_KEEP_URL_QUERY: 'yes' }).config.privacy.keepUrlQuery).toBe(true);
    const bad = readConfig({ DYN_TELEMETRY_KEEP_URL_QUERY: 'maybe' });
    expect(bad.config.privacy.keepUrlQuery).toBe(false);
    expect(bad.problems.map((p) => p.variable)).toContain('DYN_TELEMETRY_KEEP_URL_QUERY');
    expect(urlForTelemetry('/a?t=1', true)).toBe('/a?t=1');
    expect(urlForTelemetry('/a?t=1', false)).toBe('/a?t=REDACTED');
  });
});
