import { describe, expect, it } from 'vitest';
import { parseLoggingToml } from '../src/config/logging-toml.ts';
import {
  decimal,
  httpUrl,
  instanceId,
  integer,
  jsonObjectOrFile,
  keyValueList,
  metricPrefix,
  oneOf,
  otelBoolean,
  port,
  seconds,
  stringArray,
  systemPort,
  truthyBoolean,
  urlPath,
} from '../src/config/parsers.ts';
import type { ParseResult, Parser } from '../src/config/types.ts';

const noFiles = {
  readFile(path: string): string {
    throw Object.assign(new Error(`no ${path}`), { code: 'ENOENT' });
  },
};

function parse<T>(parser: Parser<T>, raw: string): ParseResult<T> {
  return parser(raw, noFiles);
}
function value<T>(parser: Parser<T>, raw: string): T {
  const result = parse(parser, raw);
  if (!result.ok) throw new Error(`expected ${raw} to parse (${result.reason})`);
  return result.value;
}

describe('booleans', () => {
  it("accept Dynamo's truthy set and its negations, case-insensitive, for DYN_*", () => {
    for (const raw of ['1', 'true', 'TRUE', 'on', 'On', 'yes', 'YES'])
      expect(value(truthyBoolean, raw)).toBe(true);
    for (const raw of ['0', 'false', 'off', 'no', 'NO']) expect(value(truthyBoolean, raw)).toBe(false);
    for (const raw of ['2', 'y', 'enabled', 'truee']) expect(parse(truthyBoolean, raw).ok).toBe(false);
  });

  it('accept only true/false for OTEL_* as the OTel spec says', () => {
    expect(value(otelBoolean, 'True')).toBe(true);
    expect(value(otelBoolean, 'FALSE')).toBe(false);
    for (const raw of ['1', 'yes', 'on', '0']) expect(parse(otelBoolean, raw).ok).toBe(false);
  });
});

describe('numbers', () => {
  it('ports are integers 0..65535', () => {
    expect(value(port, '0')).toBe(0);
    expect(value(port, '65535')).toBe(65535);
    for (const raw of ['65536', '-1', '80.5', '0x50', '8o', '1e3']) expect(parse(port, raw).ok).toBe(false);
  });

  it('DYN_SYSTEM_PORT: negative = off (-1), 0 = random, above 32767 works (unlike Dynamo i16)', () => {
    expect(value(systemPort, '-1')).toBe(-1);
    expect(value(systemPort, '-5')).toBe(-1);
    expect(value(systemPort, '0')).toBe(0);
    expect(value(systemPort, '40000')).toBe(40000);
    expect(parse(systemPort, '65536').ok).toBe(false);
    expect(parse(systemPort, 'off').ok).toBe(false);
  });

  it('integers check range and reject unsafe values', () => {
    expect(value(integer(1, 512), '+512')).toBe(512);
    expect(parse(integer(1, 512), '513').ok).toBe(false);
    expect(parse(integer(0, Number.MAX_SAFE_INTEGER), '99999999999999999999').ok).toBe(false);
  });

  it('decimals honour exclusive minimum and reject non-finite values', () => {
    const positive = decimal({ min: 0, max: Number.MAX_VALUE, exclusiveMin: true });
    expect(value(positive, '0.001')).toBe(0.001);
    expect(value(positive, '1e-3')).toBe(0.001);
    expect(value(positive, '.5')).toBe(0.5);
    for (const raw of ['0', '-1', 'Infinity', 'NaN', '1e400', '1,5', ''])
      expect(parse(positive, raw).ok).toBe(false);
  });

  it('seconds accept decimals, return milliseconds and stay within Node timer range', () => {
    expect(value(seconds(0), '1.5')).toBe(1500);
    expect(value(seconds(0), '0')).toBe(0);
    expect(parse(seconds(0, true), '0').ok).toBe(false);
    expect(parse(seconds(0), '2147484').ok).toBe(false);
    expect(value(seconds(0), '2147483')).toBe(2_147_483_000);
  });

  // Found by the reliability suite (test/reliability/hostile-env.test.ts): DYN_HEALTH_CHECK_REQUEST_TIMEOUT=1e-309
  // passed `> 0` as seconds, became a 0 ms timeout and made the health package throw inside init().
  it('seconds > 0 rejects values that round to 0 ms', () => {
    expect(parse(seconds(0, true), '1e-309').ok).toBe(false);
    expect(parse(seconds(0, true), '0.0004').ok).toBe(false);
    expect(value(seconds(0, true), '0.001')).toBe(1);
    expect(value(seconds(0), '0.0004')).toBe(0);
  });
});

describe('strings', () => {
  it('enums are case-insensitive and can reject a value with a specific reason', () => {
    const protocol = oneOf(['grpc', 'http/protobuf'], { 'http/json': 'http/json is not supported' });
    expect(value(protocol, 'GRPC')).toBe('grpc');
    expect(parse(protocol, 'http/json')).toEqual({ ok: false, reason: 'http/json is not supported' });
    expect(parse(protocol, 'http')).toEqual({ ok: false });
  });

  it('URL paths start with / and carry no query, fragment or space', () => {
    expect(value(urlPath, '/healthz')).toBe('/healthz');
    for (const raw of ['health', '/a b', '/x?y', '/x#y']) expect(parse(urlPath, raw).ok).toBe(false);
  });

  it('OTLP URLs must be absolute http(s) URLs', () => {
    expect(value(httpUrl, 'https://collector:4318/base')).toBe('https://collector:4318/base');
    for (const raw of ['localhost:4317', 'grpc://x:4317', '/v1/traces', 'http://']) {
      expect(parse(httpUrl, raw).ok).toBe(false);
    }
  });

  it('instance ids accept decimal, 0x hex and bare hex with a letter; print lowercase hex', () => {
    expect(value(instanceId, '7587888160958628000')).toBe(7587888160958628000n.toString(16));
    expect(value(instanceId, '0xABCDEF')).toBe('abcdef');
    expect(value(instanceId, '694d9a0b1c')).toBe('694d9a0b1c');
    expect(value(instanceId, '18446744073709551615')).toBe('ffffffffffffffff');
    expect(parse(instanceId, '18446744073709551616').ok).toBe(false);
    expect(parse(instanceId, '-1').ok).toBe(false);
    expect(parse(instanceId, 'worker-1').ok).toBe(false);
  });
});

describe('metric prefix sanitising (Dynamo sanitize_frontend_prometheus_prefix)', () => {
  it.each([
    ['test.name', 'test_name'],
    ['test:name', 'test:name'],
    ['__test', '__test'],
    ['123test', '_123test'],
    ['@test', '_test'],
    ['123.test-name@domain', '_123_test_name_domain'],
    ['my-app', 'my_app'],
  ])('%s -> %s', (raw, expected) => {
    expect(value(metricPrefix, raw)).toBe(expected);
  });

  it('rejects values with nothing but underscores left', () => {
    expect(parse(metricPrefix, '@#$%').ok).toBe(false);
  });
});

describe('JSON values', () => {
  it('string arrays accept JSON and figment literals', () => {
    expect(value(stringArray, '["generate", "embed"]')).toEqual(['generate', 'embed']);
    expect(value(stringArray, '[generate, embed]')).toEqual(['generate', 'embed']);
    expect(value(stringArray, "['generate']")).toEqual(['generate']);
    expect(value(stringArray, '[]')).toEqual([]);
    for (const raw of ['generate', '[1, 2]', '{"a":1}', '["a", ""]', '[a, [b]]']) {
      expect(parse(stringArray, raw).ok).toBe(false);
    }
  });

  it('JSON objects: arrays, scalars and syntax errors are rejected with a reason', () => {
    expect(value(jsonObjectOrFile, '{"prompt":"Test","max_tokens":1}')).toEqual({
      prompt: 'Test',
      max_tokens: 1,
    });
    expect(parse(jsonObjectOrFile, '[1]')).toEqual({
      ok: false,
      reason: 'the value is JSON but not an object',
    });
    const broken = parse(jsonObjectOrFile, '{prompt:1}');
    expect(broken.ok).toBe(false);
    expect(!broken.ok && broken.reason).toMatch(/not valid JSON/);
  });

  it('@file payloads are read through the context and reported when unreadable', () => {
    const files = { readFile: (path: string) => (path === '/p.json' ? '{"token_ids":[1]}' : '[]') };
    expect(jsonObjectOrFile('@/p.json', files)).toEqual({ ok: true, value: { token_ids: [1] } });
    expect(jsonObjectOrFile('@/other.json', files)).toEqual({
      ok: false,
      reason: '/other.json is JSON but not an object',
    });
    expect(parse(jsonObjectOrFile, '@/missing.json')).toEqual({
      ok: false,
      reason: 'cannot read /missing.json (ENOENT)',
    });
    expect(parse(jsonObjectOrFile, '@')).toEqual({ ok: false, reason: 'no file after @' });
  });
});

describe('key-value lists', () => {
  it('resource attributes are percent-decoded and trimmed', () => {
    expect(value(keyValueList('attributes'), ' deployment.environment = prod , team=a%2Cb%3Dc ,')).toEqual({
      'deployment.environment': 'prod',
      team: 'a,b=c',
    });
  });

  it('any malformed pair or encoding discards the whole value', () => {
    expect(parse(keyValueList('attributes'), 'a=1,broken').ok).toBe(false);
    expect(parse(keyValueList('attributes'), 'a=%E0%A4%A').ok).toBe(false);
    expect(parse(keyValueList('attributes'), '=1').ok).toBe(false);
  });

  it('headers need token names, lower-case them, and refuse CR/LF without echoing values', () => {
    expect(value(keyValueList('headers'), 'Authorization=Bearer%20abc,x-scope=t1')).toEqual({
      authorization: 'Bearer abc',
      'x-scope': 't1',
    });
    const injected = parse(keyValueList('headers'), 'x-a=secret%0D%0AEvil: 1');
    expect(injected.ok).toBe(false);
    expect(JSON.stringify(injected)).not.toContain('secret');
    expect(parse(keyValueList('headers'), 'bad name=1').ok).toBe(false);
    const noEquals = parse(keyValueList('headers'), 'tokenwithoutequals');
    expect(JSON.stringify(noEquals)).not.toContain('tokenwithoutequals');
  });
});

describe('logging TOML subset', () => {
  it('reads log_level and [log_filters] with comments, quoted keys and both string kinds', () => {
    const toml = [
      '# Dynamo logging file',
      'log_level = "DEBUG" # trailing comment',
      '',
      '[log_filters]',
      '"dynamo_runtime::system_status_server" = "trace"',
      "h2 = 'error'",
      '"with = sign" = "warn"',
      '[other]',
      'ignored = "x"',
    ].join('\n');
    const result = parseLoggingToml('/etc/l.toml', toml);
    expect(result).toEqual({
      ok: true,
      value: {
        path: '/etc/l.toml',
        logLevel: 'debug',
        logFilters: { 'dynamo_runtime::system_status_server': 'trace', h2: 'error', 'with = sign': 'warn' },
      },
    });
  });

  it('rejects levels it does not know and syntax it does not understand, naming the line', () => {
    expect(parseLoggingToml('f', 'log_level = "verbose"')).toEqual({
      ok: false,
      reason: 'f line 1: log_level must be one of trace|debug|info|warn|error|off',
    });
    expect(parseLoggingToml('f', '\n[log_filters]\nh2 = error')).toMatchObject({
      ok: false,
      reason: /f line 3/,
    });
    expect(parseLoggingToml('f', 'log_level = ["info"]').ok).toBe(false);
    expect(parseLoggingToml('f', 'just words').ok).toBe(false);
    expect(parseLoggingToml('f', '[[array.table]]').ok).toBe(false);
  });
});
