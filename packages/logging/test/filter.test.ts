import { type DiagnosticRecord, diag } from '@dynotel/core';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger, levelForLoggerTarget, levelForTarget, parseLogFilter } from '../src/index.ts';
import { capture } from './support/capture.ts';

describe('parseLogFilter (DYN_LOG syntax)', () => {
  it('takes a bare level as the default level, case-insensitive', () => {
    expect(parseLogFilter('DEBUG')).toEqual({ defaultLevel: 'debug', directives: [], invalid: [] });
    expect(parseLogFilter('off').defaultLevel).toBe('off');
  });

  it('falls back to info (or the given level) when no bare level is given', () => {
    expect(parseLogFilter(undefined).defaultLevel).toBe('info');
    expect(parseLogFilter('', 'warn').defaultLevel).toBe('warn');
  });

  it('keeps the default level in force when only target directives are given (unlike Dynamo)', () => {
    const filter = parseLogFilter('dynamo_llm=debug');
    expect(levelForTarget(filter, 'dynamo_llm::http')).toBe('debug');
    expect(levelForTarget(filter, 'other')).toBe('info');
  });

  it('matches targets by prefix, the longest directive winning, in comma lists', () => {
    const filter = parseLogFilter('warn,app=info,app::http=trace,app::http::health=off');
    expect(levelForTarget(filter, 'app::db')).toBe('info');
    expect(levelForTarget(filter, 'app::http::router')).toBe('trace');
    expect(levelForTarget(filter, 'app::http::health')).toBe('off');
    expect(levelForTarget(filter, 'application')).toBe('info'); // string prefix, as EnvFilter
    expect(levelForTarget(filter, 'zzz')).toBe('warn');
  });

  it('accepts the documented target:level form and a bare target (= trace)', () => {
    const filter = parseLogFilter('info,dynamo_runtime::system_status_server:trace,noisy');
    expect(levelForTarget(filter, 'dynamo_runtime::system_status_server')).toBe('trace');
    expect(levelForTarget(filter, 'noisy.sub')).toBe('trace');
    expect(levelForTarget(filter, 'dynamo_runtime::other')).toBe('info');
  });

  it('lets a later directive for the same target replace an earlier one', () => {
    expect(levelForTarget(parseLogFilter('a=debug,a=error'), 'a')).toBe('error');
  });

  it('skips a bare word that reads as a mistyped or foreign level instead of taking it for a target', () => {
    const filter = parseLogFilter('verbose,wrn,db:wat,my_app,http');
    expect(filter.invalid).toEqual(['verbose', 'wrn', 'db:wat']);
    expect(filter.directives.map((d) => [d.target, d.level])).toEqual([
      ['my_app', 'trace'],
      ['http', 'trace'],
    ]);
  });

  it('skips invalid directives and reports them', () => {
    const filter = parseLogFilter('debug, a=loud ,b[span{x=1}]=info, =info,c=warn');
    expect(filter.invalid).toEqual(['a=loud', 'b[span{x=1}]=info', '=info']);
    expect(filter.defaultLevel).toBe('debug');
    expect(levelForTarget(filter, 'c')).toBe('warn');
  });
});

describe('per-target levels on loggers', () => {
  const seen: DiagnosticRecord[] = [];
  afterEach(() => {
    diag.reset();
    seen.length = 0;
  });

  it('resolves a child logger level from its target once, when the child is made', () => {
    const out = capture();
    const logger = createLogger({
      format: 'jsonl',
      destination: out.stream,
      filter: 'warn,http=debug,http::health=off',
    });
    const http = logger.child({ target: 'http::router' });
    const health = logger.child({ target: 'http::health' });
    expect(http.level).toBe('debug');
    expect(health.level).toBe('silent');
    expect(logger.level).toBe('warn');
    expect(levelForLoggerTarget(logger, 'http::x')).toBe('debug');

    logger.info('root info is filtered');
    logger.warn('root warn');
    http.debug('http debug');
    http.trace('http trace is filtered');
    health.error('health is off');
    // A grandchild without a new target keeps its parent's level and target.
    http.child({ route: '/v1' }).debug('grandchild');

    const records = out.records();
    expect(records.map((r) => [r.target, r.level, r.message])).toEqual([
      ['main', 'WARN', 'root warn'],
      ['http::router', 'DEBUG', 'http debug'],
      ['http::router', 'DEBUG', 'grandchild'],
    ]);
    expect(records[2]?.route).toBe('/v1');
  });

  it('warns once about invalid directives when the logger is made', () => {
    diag.setSink((record) => seen.push(record));
    const out = capture();
    createLogger({ destination: out.stream, filter: 'info,x=verbose,y=nope' });
    expect(seen).toHaveLength(1);
    expect(seen[0]?.level).toBe('warn');
    expect(seen[0]?.fields?.skipped).toBe('x=verbose,y=nope');
  });
});
