import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { consultedVariables } from '../src/config/read-config.ts';
import {
  type ConfigProblem,
  type DiagnosticRecord,
  diag,
  ENV_TABLE,
  isDynotelError,
  readConfig,
  redactedConfigSummary,
  reportConfigProblems,
} from '../src/index.ts';

function problemsFor(env: Record<string, string>): ConfigProblem[] {
  return [...readConfig(env).problems];
}

describe('readConfig defaults', () => {
  it('gives Dynamo and OTel defaults for an empty environment, with no problems', () => {
    const { config, problems } = readConfig({});
    expect(problems).toEqual([]);
    expect(config.strict).toBe(false);
    expect(config.identity).toEqual({
      serviceName: 'dynamo',
      namespace: undefined,
      component: undefined,
      endpoint: undefined,
      instanceId: undefined,
      resourceAttributes: {},
      served: { namespace: 'dynamo', component: 'backend', endpoint: 'generate' },
    });
    expect(config.system).toEqual({ port: -1, host: '0.0.0.0', healthPath: '/health', livePath: '/live' });
    expect(config.http).toEqual({
      port: 8000,
      host: '0.0.0.0',
      metricsPath: '/metrics',
      healthPath: '/health',
      livePath: '/live',
    });
    expect(config.health).toEqual({
      startingStatus: 'notready',
      endpointHealthStatus: [],
      canaryEnabled: false,
      canaryWaitMs: 10_000,
      canaryTimeoutMs: 3000,
      canaryPayload: undefined,
    });
    expect(config.metrics.prefix).toBe('dynamo_frontend');
    expect(config.metrics.seriesLimit).toBe(2000);
    expect(config.metrics.histograms.ttft).toEqual({ min: undefined, max: undefined, count: undefined });
    expect(config.logging).toMatchObject({
      filter: 'info',
      targetFilters: {},
      jsonl: false,
      configPath: undefined,
    });
    expect(config.tracing).toMatchObject({
      sdkDisabled: false,
      exportEnabled: false,
      sampler: 'parentbased_always_on',
      samplerRatio: 1,
      batch: { scheduleDelayMs: 5000, exportTimeoutMs: 30_000, maxQueueSize: 2048, maxExportBatchSize: 512 },
    });
    expect(config.tracing.traces).toEqual({
      endpoint: 'http://localhost:4317',
      protocol: 'grpc',
      headers: {},
      timeoutMs: 10_000,
      compression: 'none',
    });
    // Outside a Kubernetes pod the drain delay defaults to 0.
    expect(config.shutdown).toEqual({
      inKubernetes: false,
      drainDelayMs: 0,
      timeoutMs: 20_000,
      gracePeriodMs: 30_000,
      inFlightTimeoutMs: 12_000,
      hookTimeoutMs: 2000,
      flushBudgetMs: 1800,
    });
  });

  it('returns a deeply frozen result', () => {
    const result = readConfig({ OTEL_RESOURCE_ATTRIBUTES: 'a=1' });
    expect(Object.isFrozen(result)).toBe(true);
    expect(Object.isFrozen(result.config.tracing.traces)).toBe(true);
    expect(Object.isFrozen(result.config.identity.resourceAttributes)).toBe(true);
    expect(Object.isFrozen(result.problems)).toBe(true);
    expect(() => {
      (result.config.system as { port: number }).port = 1;
    }).toThrow(TypeError);
  });

  it('reads every variable of the table (and only those)', () => {
    expect([...consultedVariables({})].sort()).toEqual(ENV_TABLE.map((row) => row.name).sort());
  });

  it('every config leaf is set by a table row, and every row key names a config leaf', () => {
    const recordKeys = new Set([
      'identity.resourceAttributes',
      'health.canaryPayload',
      'health.endpointHealthStatus',
      'logging.targetFilters',
      'tracing.traces.headers',
      'tracing.logs.headers',
    ]);
    const leaves: string[] = [];
    const walk = (value: unknown, path: string) => {
      if (typeof value === 'object' && value !== null && !recordKeys.has(path)) {
        for (const [key, child] of Object.entries(value)) walk(child, path === '' ? key : `${path}.${key}`);
      } else leaves.push(path);
    };
    walk(readConfig({}).config, '');
    const rowKeys = new Set(ENV_TABLE.flatMap((row) => row.keys));
    expect([...rowKeys].sort()).toEqual(leaves.sort());
  });

  it('is pure: the same input gives the same output, and process.env is not read when env is given', () => {
    process.env.DYN_SYSTEM_PORT = '9999';
    try {
      expect(readConfig({}).config.system.port).toBe(-1);
      expect(readConfig().config.system.port).toBe(9999);
    } finally {
      delete process.env.DYN_SYSTEM_PORT;
    }
    expect(readConfig({ DYN_HTTP_PORT: '81' })).toEqual(readConfig({ DYN_HTTP_PORT: '81' }));
  });
});

describe('blank = unset, trimming', () => {
  it('treats empty and whitespace-only values as unset, without problems', () => {
    const env = Object.fromEntries(
      ENV_TABLE.map((row) => [row.name, row.name.length % 2 === 0 ? '' : '  \t ']),
    );
    const { config, problems } = readConfig(env);
    expect(problems).toEqual([]);
    expect(config).toEqual(readConfig({}).config);
  });

  it('trims surrounding whitespace before parsing', () => {
    expect(readConfig({ DYN_SYSTEM_PORT: ' 8081 ', OTEL_SERVICE_NAME: ' svc ' }).config).toMatchObject({
      system: { port: 8081 },
      identity: { serviceName: 'svc' },
    });
  });
});

describe('per-variable fallback', () => {
  it('one invalid value warns once, naming variable, value, accepted form and default; others keep their values', () => {
    const { config, problems } = readConfig({
      DYN_SYSTEM_PORT: '8081',
      DYN_SYSTEM_HOST: '127.0.0.1',
      DYN_CANARY_WAIT_TIME: 'soon',
      DYN_HEALTH_CHECK_ENABLED: 'true',
    });
    expect(config.system.port).toBe(8081);
    expect(config.system.host).toBe('127.0.0.1');
    expect(config.health.canaryEnabled).toBe(true);
    expect(config.health.canaryWaitMs).toBe(10_000);
    expect(problems).toHaveLength(1);
    const [problem] = problems;
    expect(problem).toMatchObject({
      variable: 'DYN_CANARY_WAIT_TIME',
      value: 'soon',
      accepted: 'seconds > 0 (decimals allowed)',
      defaultUsed: '10',
      kind: 'invalid',
    });
    expect(problem?.message).toContain('DYN_CANARY_WAIT_TIME="soon"');
    expect(problem?.message).toContain('seconds > 0');
    expect(problem?.message).toContain('Using the default (10)');
  });

  it('DYN_SYSTEM_PORT: -1 off, 0 random, 65535 max; 70000 falls back to off', () => {
    expect(readConfig({ DYN_SYSTEM_PORT: '-1' }).config.system.port).toBe(-1);
    expect(readConfig({ DYN_SYSTEM_PORT: '0' }).config.system.port).toBe(0);
    expect(readConfig({ DYN_SYSTEM_PORT: '65535' }).config.system.port).toBe(65535);
    const { config, problems } = readConfig({ DYN_SYSTEM_PORT: '70000', DYN_SYSTEM_HEALTH_PATH: '/ready' });
    expect(config.system).toMatchObject({ port: -1, healthPath: '/ready' });
    expect(problems.map((p) => p.variable)).toEqual(['DYN_SYSTEM_PORT']);
  });

  it('DYN_HTTP_PORT refuses -1 (only the system port has an off value)', () => {
    expect(problemsFor({ DYN_HTTP_PORT: '-1' }).map((p) => p.variable)).toEqual(['DYN_HTTP_PORT']);
  });

  it('booleans: truthy set for DYN_*, true|false for OTEL_*, anything else warns', () => {
    expect(readConfig({ DYN_LOGGING_JSONL: 'yes', OTEL_EXPORT_ENABLED: 'on' }).config).toMatchObject({
      logging: { jsonl: true },
      tracing: { exportEnabled: true },
    });
    const { config, problems } = readConfig({ OTEL_SDK_DISABLED: '1', DYN_LOG_USE_LOCAL_TZ: 'maybe' });
    expect(config.tracing.sdkDisabled).toBe(false);
    expect(problems.map((p) => [p.variable, p.accepted])).toEqual([
      ['DYN_LOG_USE_LOCAL_TZ', '1|true|on|yes or 0|false|off|no (case-insensitive)'],
      ['OTEL_SDK_DISABLED', 'true|false (case-insensitive)'],
    ]);
    expect(readConfig({ OTEL_SDK_DISABLED: 'TRUE' }).config.tracing.sdkDisabled).toBe(true);
  });

  it('DYN_SYSTEM_ENABLED is ignored with a deprecation warning that does not fail strict mode', () => {
    const { config, problems } = readConfig(
      { DYN_SYSTEM_ENABLED: 'true', DYN_SYSTEM_PORT: '9090' },
      { strict: true },
    );
    expect(config.system.port).toBe(9090);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ variable: 'DYN_SYSTEM_ENABLED', kind: 'deprecated' });
    expect(problems[0]?.message).toMatch(/deprecated and ignored.*port 9090/);
    expect(readConfig({ DYN_SYSTEM_ENABLED: 'false' }).config.system.port).toBe(-1);
  });

  it('DYN_SYSTEM_USE_ENDPOINT_HEALTH_STATUS parses JSON arrays', () => {
    expect(
      readConfig({ DYN_SYSTEM_USE_ENDPOINT_HEALTH_STATUS: '["generate","clear_kv_blocks"]' }).config.health,
    ).toMatchObject({ endpointHealthStatus: ['generate', 'clear_kv_blocks'] });
    expect(problemsFor({ DYN_SYSTEM_USE_ENDPOINT_HEALTH_STATUS: 'generate' })[0]?.defaultUsed).toBe('[]');
  });

  it('DYN_METRICS_PREFIX is sanitised; a value with nothing usable falls back to dynamo_frontend', () => {
    expect(readConfig({ DYN_METRICS_PREFIX: 'nim.llm-v1' }).config.metrics.prefix).toBe('nim_llm_v1');
    const { config, problems } = readConfig({ DYN_METRICS_PREFIX: '@#$%' });
    expect(config.metrics.prefix).toBe('dynamo_frontend');
    expect(problems[0]).toMatchObject({ variable: 'DYN_METRICS_PREFIX', defaultUsed: 'dynamo_frontend' });
  });

  it('DYN_METRICS_FOREIGN_TEXT_MAX_BYTES and DYN_METRICS_PROM_CLIENT_NAMES: defaults, values, fallbacks', () => {
    const defaults = readConfig({}).config.metrics;
    expect(defaults).toMatchObject({ foreignTextMaxBytes: 16_777_216, promClientNames: false });
    const set = readConfig({
      DYN_METRICS_FOREIGN_TEXT_MAX_BYTES: '1048576',
      DYN_METRICS_PROM_CLIENT_NAMES: 'yes',
    });
    expect(set.config.metrics).toMatchObject({ foreignTextMaxBytes: 1_048_576, promClientNames: true });
    const { config, problems } = readConfig({ DYN_METRICS_FOREIGN_TEXT_MAX_BYTES: '0' });
    expect(config.metrics.foreignTextMaxBytes).toBe(16_777_216);
    expect(problems[0]).toMatchObject({ variable: 'DYN_METRICS_FOREIGN_TEXT_MAX_BYTES', value: '0' });
  });

  it('DYN_LOG is passed through for @dynotel/logging; control characters are refused', () => {
    expect(readConfig({ DYN_LOG: 'warn,@dynotel/tracing=debug,db:trace' }).config.logging.filter).toBe(
      'warn,@dynotel/tracing=debug,db:trace',
    );
    const { config, problems } = readConfig({ DYN_LOG: 'debug\u001b[31m' });
    expect(config.logging.filter).toBe('info');
    expect(problems.map((p) => p.variable)).toEqual(['DYN_LOG']);
  });

  it.each([
    ['verbose', 'info', '"verbose" is not a level'],
    ['wrn', 'info', '"wrn" is not a level'],
    ['wat', 'info', '"wat" is not a level'],
    ['WARNING', 'info', '"WARNING" is not a level'],
    ['debg', 'info', '"debg" is not a level'],
    ['3', 'info', '"3" is not a level'],
    ['foo=wat', 'info', 'directive "foo=wat": "wat" is not a level'],
    ['debug,foo=wat', 'debug', 'directive "foo=wat": "wat" is not a level'],
    ['info,db:verbose,http=debug', 'info,http=debug', 'directive "db:verbose": "verbose" is not a level'],
    ['info,app[req{id=1}]=debug', 'info', 'span and field selectors'],
  ])(
    'DYN_LOG=%s: an unknown level word is a config problem naming the directive; the rest stays (%s)',
    (value, filter, reason) => {
      const { config, problems } = readConfig({ DYN_LOG: value });
      expect(config.logging.filter).toBe(filter);
      expect(problems).toHaveLength(1);
      const problem = problems[0]!;
      expect(problem).toMatchObject({ variable: 'DYN_LOG', value, kind: 'invalid' });
      expect(problem.message).toContain(`DYN_LOG=${JSON.stringify(value)} is not valid`);
      expect(problem.message).toContain(reason);
      expect(problem.message).toContain('Accepted: comma-separated directives');
      expect(problem.message).toContain('trace, debug, info, warn, error, off');
      expect(() => readConfig({ DYN_LOG: value }, { strict: true })).toThrow(/DYN_LOG/);
    },
  );

  it('DYN_LOG: genuine target names, bare or with a level, are not mistaken for levels', () => {
    for (const value of [
      'http',
      'db',
      'io',
      'main',
      'app',
      'noisy',
      'infra',
      'worker',
      'dynotel',
      'info,my_service::db=debug',
      'dynamo_runtime::system_status_server:trace',
      'warn,http.client=debug,@dynotel/tracing=off',
      'OFF',
      'Debug,x=TRACE',
    ]) {
      const { config, problems } = readConfig({ DYN_LOG: value });
      expect(problems, value).toEqual([]);
      expect(config.logging.filter).toBe(value);
    }
    // Written as target=level, a level-like target name is explicit.
    expect(readConfig({ DYN_LOG: 'verbose=debug' }).problems).toEqual([]);
  });

  it('DYN_INSTANCE_ID is normalised to lowercase hex', () => {
    expect(readConfig({ DYN_INSTANCE_ID: '255' }).config.identity.instanceId).toBe('ff');
    expect(readConfig({ DYN_INSTANCE_ID: '0x7FF' }).config.identity.instanceId).toBe('7ff');
  });

  it('OTEL_SERVICE_NAME wins over service.name in OTEL_RESOURCE_ATTRIBUTES, which wins over the default', () => {
    const attributes = 'service.name=from-attrs,deployment.environment=prod%20eu';
    expect(readConfig({ OTEL_RESOURCE_ATTRIBUTES: attributes }).config.identity).toMatchObject({
      serviceName: 'from-attrs',
      resourceAttributes: { 'service.name': 'from-attrs', 'deployment.environment': 'prod eu' },
    });
    expect(
      readConfig({ OTEL_RESOURCE_ATTRIBUTES: attributes, OTEL_SERVICE_NAME: 'gateway' }).config.identity
        .serviceName,
    ).toBe('gateway');
  });

  it('a malformed OTEL_RESOURCE_ATTRIBUTES is discarded whole', () => {
    const { config, problems } = readConfig({ OTEL_RESOURCE_ATTRIBUTES: 'a=1,b' });
    expect(config.identity.resourceAttributes).toEqual({});
    expect(problems.map((p) => p.variable)).toEqual(['OTEL_RESOURCE_ATTRIBUTES']);
  });
});

describe('files', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'dynotel-config-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('DYN_HEALTH_CHECK_PAYLOAD reads an @file from disk', () => {
    const file = join(dir, 'payload.json');
    writeFileSync(file, '{"token_ids":[1],"stop_conditions":{"max_tokens":1}}');
    expect(readConfig({ DYN_HEALTH_CHECK_PAYLOAD: `@${file}` }).config.health.canaryPayload).toEqual({
      token_ids: [1],
      stop_conditions: { max_tokens: 1 },
    });
  });

  it('an unreadable or non-object payload file warns and leaves the default payload', () => {
    const file = join(dir, 'array.json');
    writeFileSync(file, '[1,2]');
    for (const value of [`@${file}`, `@${join(dir, 'missing.json')}`, '{"unterminated": ']) {
      const { config, problems } = readConfig({ DYN_HEALTH_CHECK_PAYLOAD: value });
      expect(config.health.canaryPayload).toBeUndefined();
      expect(problems).toHaveLength(1);
      expect(problems[0]?.message).toContain('DYN_HEALTH_CHECK_PAYLOAD');
    }
  });

  it('DYN_LOGGING_CONFIG_PATH: file log_level applies when DYN_LOG is unset; DYN_LOG wins', () => {
    const file = join(dir, 'logging.toml');
    writeFileSync(file, 'log_level = "warn"\n[log_filters]\n"my_service::db" = "debug"\n');
    const fromFile = readConfig({ DYN_LOGGING_CONFIG_PATH: file }).config.logging;
    expect(fromFile).toMatchObject({
      filter: 'warn',
      targetFilters: { 'my_service::db': 'debug' },
      configPath: file,
    });
    expect(
      readConfig({ DYN_LOGGING_CONFIG_PATH: file, DYN_LOG: 'debug,h2=error' }).config.logging.filter,
    ).toBe('debug,h2=error');
  });

  it('a broken logging file is ignored whole with one problem naming the line', () => {
    const file = join(dir, 'broken.toml');
    writeFileSync(file, 'log_level = "info"\nlog_filters = [\n');
    const { config, problems } = readConfig({ DYN_LOGGING_CONFIG_PATH: file });
    expect(config.logging).toMatchObject({ filter: 'info', targetFilters: {}, configPath: undefined });
    expect(problems[0]?.message).toContain(`${file} line 2`);
  });

  it('uses options.readFile when given', () => {
    const seen: string[] = [];
    const readFile = (path: string) => {
      seen.push(path);
      return '{"prompt":"Test"}';
    };
    expect(
      readConfig({ DYN_HEALTH_CHECK_PAYLOAD: '@/virtual.json' }, { readFile }).config.health.canaryPayload,
    ).toEqual({ prompt: 'Test' });
    expect(seen).toEqual(['/virtual.json']);
  });
});

describe('histograms', () => {
  it('reads DYN_METRICS_<H>_* and leaves unset fields to the metrics package', () => {
    const { config, problems } = readConfig({ DYN_METRICS_TTFT_MIN: '0.01', DYN_METRICS_TTFT_COUNT: '20' });
    expect(problems).toEqual([]);
    expect(config.metrics.histograms.ttft).toEqual({ min: 0.01, max: undefined, count: 20 });
    expect(config.metrics.histograms.itl).toEqual({ min: undefined, max: undefined, count: undefined });
  });

  it("falls back to Dynamo's doubled DYN_HISTOGRAM_DYN_METRICS_* spelling; the documented one wins", () => {
    const env = {
      DYN_HISTOGRAM_DYN_METRICS_REQUEST_DURATION_MAX: '256',
      DYN_HISTOGRAM_DYN_METRICS_REQUEST_DURATION_COUNT: '8',
      DYN_METRICS_REQUEST_DURATION_COUNT: '12',
    };
    expect(readConfig(env).config.metrics.histograms.requestDuration).toEqual({
      min: undefined,
      max: 256,
      count: 12,
    });
  });

  it('one invalid value makes all three of that histogram fall back, other histograms untouched', () => {
    const { config, problems } = readConfig({
      DYN_METRICS_ITL_MIN: '0.01',
      DYN_METRICS_ITL_MAX: '5',
      DYN_METRICS_ITL_COUNT: '513',
      DYN_METRICS_TTFT_COUNT: '5',
    });
    expect(config.metrics.histograms.itl).toEqual({ min: undefined, max: undefined, count: undefined });
    expect(config.metrics.histograms.ttft.count).toBe(5);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ variable: 'DYN_METRICS_ITL_COUNT', value: '513' });
    expect(problems[0]?.defaultUsed).toMatch(/all three ITL/);
  });

  it('MIN must be below MAX, and MIN/MAX must be finite and > 0', () => {
    const [problem] = problemsFor({
      DYN_METRICS_INPUT_SEQUENCE_MIN: '100',
      DYN_METRICS_INPUT_SEQUENCE_MAX: '100',
    });
    expect(problem).toMatchObject({ variable: 'DYN_METRICS_INPUT_SEQUENCE_MAX' });
    expect(problem?.message).toContain('not above MIN (100)');
    for (const bad of ['0', '-1', 'inf', 'NaN']) {
      expect(problemsFor({ DYN_METRICS_OUTPUT_SEQUENCE_MIN: bad })).toHaveLength(1);
    }
  });
});

describe('cross-field limits', () => {
  it('OTEL_BSP_MAX_EXPORT_BATCH_SIZE must not exceed the queue size', () => {
    const small = readConfig({ OTEL_BSP_MAX_QUEUE_SIZE: '100', OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '200' });
    expect(small.config.tracing.batch).toMatchObject({ maxQueueSize: 100, maxExportBatchSize: 100 });
    expect(small.problems[0]).toMatchObject({
      variable: 'OTEL_BSP_MAX_EXPORT_BATCH_SIZE',
      defaultUsed: '100',
    });
    const big = readConfig({ OTEL_BSP_MAX_QUEUE_SIZE: '4096', OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '5000' });
    expect(big.config.tracing.batch.maxExportBatchSize).toBe(512);
    expect(readConfig({ OTEL_BSP_MAX_QUEUE_SIZE: '100' }).problems).toEqual([]);
    expect(readConfig({ OTEL_BSP_MAX_QUEUE_SIZE: '100' }).config.tracing.batch.maxExportBatchSize).toBe(100);
  });

  const POD = { KUBERNETES_SERVICE_HOST: '10.96.0.1' };

  it('shutdown: the default drain delay is 5 s in a Kubernetes pod and 0 elsewhere', () => {
    expect(readConfig(POD).config.shutdown).toEqual({
      inKubernetes: true,
      drainDelayMs: 5000,
      timeoutMs: 20_000,
      gracePeriodMs: 30_000,
      inFlightTimeoutMs: 12_000,
      hookTimeoutMs: 2000,
      flushBudgetMs: 1800,
    });
    expect(readConfig({}).config.shutdown).toMatchObject({ inKubernetes: false, drainDelayMs: 0 });
    // An explicit value wins in both.
    expect(readConfig({ DYN_SHUTDOWN_DRAIN_DELAY: '2' }).config.shutdown.drainDelayMs).toBe(2000);
    expect(readConfig({ ...POD, DYN_SHUTDOWN_DRAIN_DELAY: '0' }).config.shutdown.drainDelayMs).toBe(0);
  });

  it('shutdown: an explicit timeout that breaks the grace period is reported and reduced', () => {
    const { config, problems } = readConfig({ ...POD, DYN_SHUTDOWN_TIMEOUT: '40' });
    expect(config.shutdown).toEqual({
      inKubernetes: true,
      drainDelayMs: 5000,
      timeoutMs: 25_000,
      gracePeriodMs: 30_000,
      inFlightTimeoutMs: 15_000,
      hookTimeoutMs: 2500,
      flushBudgetMs: 2250,
    });
    expect(problems[0]).toMatchObject({ variable: 'DYN_SHUTDOWN_TIMEOUT', defaultUsed: '25' });
  });

  it('shutdown: defaults quietly shrink to fit a short grace period', () => {
    const { config, problems } = readConfig({ ...POD, DYN_SHUTDOWN_GRACE_PERIOD: '12' });
    expect(problems).toEqual([]);
    expect(config.shutdown).toEqual({
      inKubernetes: true,
      drainDelayMs: 2000,
      timeoutMs: 10_000,
      gracePeriodMs: 12_000,
      inFlightTimeoutMs: 6000,
      hookTimeoutMs: 1000,
      flushBudgetMs: 900,
    });
  });

  it("shutdown: Dynamo's frontend and worker timeouts are read when dynotel's own are unset", () => {
    const dynamo = readConfig({
      ...POD,
      DYN_HTTP_GRACEFUL_SHUTDOWN_TIMEOUT_SECS: '7',
      DYN_WORKER_GRACEFUL_SHUTDOWN_TIMEOUT: '60',
    });
    expect(dynamo.problems).toEqual([]);
    expect(dynamo.config.shutdown).toMatchObject({
      drainDelayMs: 5000,
      timeoutMs: 7000,
      gracePeriodMs: 60_000,
    });
    // dynotel's variables win when both are set.
    const both = readConfig({
      DYN_SHUTDOWN_TIMEOUT: '3',
      DYN_HTTP_GRACEFUL_SHUTDOWN_TIMEOUT_SECS: '7',
      DYN_SHUTDOWN_GRACE_PERIOD: '20',
      DYN_WORKER_GRACEFUL_SHUTDOWN_TIMEOUT: '60',
    });
    expect(both.config.shutdown).toMatchObject({ timeoutMs: 3000, gracePeriodMs: 20_000 });
    // A bad Dynamo value is named as itself, with the same rules as dynotel's variable.
    const bad = readConfig({
      DYN_HTTP_GRACEFUL_SHUTDOWN_TIMEOUT_SECS: 'soon',
      DYN_WORKER_GRACEFUL_SHUTDOWN_TIMEOUT: '0',
    });
    expect(bad.problems.map((p) => p.variable).sort()).toEqual([
      'DYN_HTTP_GRACEFUL_SHUTDOWN_TIMEOUT_SECS',
      'DYN_WORKER_GRACEFUL_SHUTDOWN_TIMEOUT',
    ]);
    expect(bad.config.shutdown).toMatchObject({ timeoutMs: 20_000, gracePeriodMs: 30_000 });
  });

  it('shutdown: a drain delay not below the grace period falls back', () => {
    const { config, problems } = readConfig({ ...POD, DYN_SHUTDOWN_DRAIN_DELAY: '30' });
    expect(config.shutdown.drainDelayMs).toBe(5000);
    expect(problems.map((p) => p.variable)).toEqual(['DYN_SHUTDOWN_DRAIN_DELAY']);
    expect(readConfig({ DYN_SHUTDOWN_DRAIN_DELAY: '30' }).config.shutdown.drainDelayMs).toBe(0);
  });
});

describe('strict mode', () => {
  const bad = { DYN_SYSTEM_PORT: 'x', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', DYN_METRICS_TTFT_COUNT: '0' };

  function thrown(fn: () => unknown): unknown {
    try {
      fn();
    } catch (error) {
      return error;
    }
    throw new Error('expected a throw');
  }

  it('throws one ERR_DYNOTEL_CONFIG_INVALID listing every problem (option or DYN_CONFIG_STRICT)', () => {
    for (const [env, options] of [
      [bad, { strict: true }],
      [{ ...bad, DYN_CONFIG_STRICT: '1' }, {}],
    ] as const) {
      const error = thrown(() => readConfig(env, options));
      expect(isDynotelError(error)).toBe(true);
      const { code, message, details } = error as {
        code: string;
        message: string;
        details: { problems: unknown[] };
      };
      expect(code).toBe('ERR_DYNOTEL_CONFIG_INVALID');
      expect(message).toMatch(/^Invalid dynotel configuration \(3 problems\):/);
      for (const name of Object.keys(bad)) expect(message).toContain(`  - ${name}=`);
      expect(message).toContain('http/json is not supported');
      expect(details.problems).toHaveLength(3);
    }
  });

  it('an explicit strict: false wins over DYN_CONFIG_STRICT', () => {
    const { config, problems } = readConfig({ ...bad, DYN_CONFIG_STRICT: 'true' }, { strict: false });
    expect(config.strict).toBe(false);
    expect(problems).toHaveLength(3);
  });

  it('does not throw when everything is valid, and reports strict in the config', () => {
    expect(readConfig({ DYN_CONFIG_STRICT: 'yes' }).config.strict).toBe(true);
  });
});

describe('overrides', () => {
  it('win over the environment, deeply, and are validated', () => {
    const { config, problems } = readConfig(
      { DYN_SYSTEM_PORT: '9090', OTEL_SERVICE_NAME: 'env-name' },
      {
        overrides: {
          system: { port: 0 },
          identity: { serviceName: 'code-name', instanceId: '0xAB' },
          tracing: { traces: { protocol: 'http/protobuf' }, batch: { maxQueueSize: 10 } },
          metrics: { histograms: { ttft: { count: 4 } } },
        },
      },
    );
    expect(problems).toEqual([]);
    expect(config.system.port).toBe(0);
    expect(config.identity).toMatchObject({ serviceName: 'code-name', instanceId: 'ab' });
    expect(config.tracing.traces.protocol).toBe('http/protobuf');
    expect(config.tracing.batch.maxQueueSize).toBe(10);
    expect(config.metrics.histograms.ttft.count).toBe(4);
    expect(Object.isFrozen(config.tracing.batch)).toBe(true);
  });

  it('a bad override value is a problem and keeps the env value; strict mode throws', () => {
    const overrides = { system: { port: 70_000 }, logging: { jsonl: 'yes' } } as never;
    const { config, problems } = readConfig({ DYN_SYSTEM_PORT: '9090' }, { overrides });
    expect(config.system.port).toBe(9090);
    expect(config.logging.jsonl).toBe(false);
    expect(problems.map((p) => p.variable)).toEqual(['overrides.system.port', 'overrides.logging.jsonl']);
    expect(() => readConfig({}, { overrides, strict: true })).toThrow(/overrides\.system\.port/);
  });

  it('an unknown key throws ERR_DYNOTEL_CONFIG_UNKNOWN_OPTION', () => {
    for (const overrides of [{ sytem: { port: 1 } }, { system: { prot: 1 } }, { system: 5 }]) {
      let error: unknown;
      try {
        readConfig({}, { overrides: overrides as never });
      } catch (caught) {
        error = caught;
      }
      expect((error as { code?: string }).code).toBe('ERR_DYNOTEL_CONFIG_UNKNOWN_OPTION');
    }
  });

  it('overrides.strict turns strict mode on', () => {
    expect(() => readConfig({ DYN_HTTP_PORT: 'x' }, { overrides: { strict: true } })).toThrow(
      /DYN_HTTP_PORT/,
    );
  });
});

describe('secrets and reporting', () => {
  it('never puts header values in problems or in the summary', () => {
    const env = {
      OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer%20s3cr3t',
      OTEL_EXPORTER_OTLP_LOGS_HEADERS: 'authorization=s3cr3t,broken',
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://user:s3cr3t@collector:4317',
    };
    const { config, problems } = readConfig(env);
    expect(config.tracing.traces.headers).toEqual({ authorization: 'Bearer s3cr3t' });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ variable: 'OTEL_EXPORTER_OTLP_LOGS_HEADERS', value: '<redacted>' });
    const summary = redactedConfigSummary(config);
    expect(JSON.stringify(problems)).not.toContain('s3cr3t');
    expect(JSON.stringify(summary)).not.toContain('s3cr3t');
    expect(summary['tracing.traces.headers']).toEqual({ authorization: '<redacted>' });
    expect(summary['tracing.traces.endpoint']).toBe('https://redacted@collector:4317');
    expect(summary['system.port']).toBe(-1);
    expect('identity.namespace' in summary).toBe(false);
  });

  it('reportConfigProblems logs each problem once through diag as a warning', () => {
    const records: DiagnosticRecord[] = [];
    diag.reset();
    diag.setSink((record) => records.push(record));
    try {
      const { problems } = readConfig({ DYN_HTTP_PORT: 'x', DYN_SYSTEM_ENABLED: '1' });
      expect(reportConfigProblems(problems)).toBe(2);
      expect(reportConfigProblems(problems)).toBe(0);
      expect(records.map((r) => [r.level, r.target, r.fields?.variable])).toEqual([
        ['warn', 'dynotel.config', 'DYN_SYSTEM_ENABLED'],
        ['warn', 'dynotel.config', 'DYN_HTTP_PORT'],
      ]);
      expect(records[0]?.message).toBe(problems[0]?.message);
    } finally {
      diag.reset();
    }
  });
});
