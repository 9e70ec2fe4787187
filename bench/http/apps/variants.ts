/**
 * The apps the HTTP suite, the latency suite and the ablations start, and the environment of each
 * dynotel variant (exactly the independent harness's, issue #23): nothing else differs between them.
 */
import type { AppSpec } from '../../lib/app-process.ts';

export type Framework = 'fastify' | 'express';

/** Full telemetry: spans exported over OTLP/gRPC to the harness's sink, one JSONL access line each. */
export function fullEnv(otlpEndpoint: string): Record<string, string> {
  return {
    OTEL_EXPORT_ENABLED: 'true',
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: otlpEndpoint,
    OTEL_LOGS_EXPORTER: 'none',
    DYN_LOGGING_JSONL: 'true',
  };
}

export function sampledEnv(otlpEndpoint: string): Record<string, string> {
  return {
    ...fullEnv(otlpEndpoint),
    OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
    OTEL_TRACES_SAMPLER_ARG: '0.1',
  };
}

export const METRICS_ONLY_ENV: Readonly<Record<string, string>> = {
  OTEL_SDK_DISABLED: 'true',
  DYN_LOG: 'warn',
};

export function bareApp(framework: Framework, format: 'cjs' | 'mjs' = 'cjs'): AppSpec {
  return {
    id: `${framework}-bare${format === 'cjs' ? '' : '-esm'}`,
    label: format === 'cjs' ? 'bare' : 'bare (ESM)',
    script: `http/apps/${framework}-bare.${format}`,
  };
}

/** Every app of one framework in the HTTP matrix; the first is the baseline. */
export function matrixApps(framework: Framework, otlpEndpoint: string): AppSpec[] {
  const full = fullEnv(otlpEndpoint);
  const apps: AppSpec[] = [
    bareApp(framework),
    {
      id: `${framework}-peer`,
      label: 'peer stack',
      script: `http/servers/${framework}-peer.ts`,
      env: { BENCH_OTLP_ENDPOINT: otlpEndpoint },
    },
    { id: `${framework}-full`, label: 'full (CJS)', script: `http/apps/${framework}-dynotel.cjs`, env: full },
    {
      id: `${framework}-full-esm`,
      label: 'full (ESM)',
      script: `http/apps/${framework}-dynotel.mjs`,
      env: full,
    },
    ...(framework === 'fastify'
      ? [
          {
            id: `${framework}-10pct`,
            label: '10% sampled',
            script: `http/apps/${framework}-dynotel.cjs`,
            env: sampledEnv(otlpEndpoint),
          },
        ]
      : []),
    {
      id: `${framework}-metrics-only`,
      label: 'metrics-only',
      script: `http/apps/${framework}-dynotel.cjs`,
      env: METRICS_ONLY_ENV,
    },
    {
      id: `${framework}-register-cjs`,
      label: '--require register',
      script: `http/apps/${framework}-bare.cjs`,
      nodeArgs: ['--require', 'dynotel/register'],
      env: full,
    },
    {
      id: `${framework}-register-esm`,
      label: '--import register',
      script: `http/apps/${framework}-bare.mjs`,
      nodeArgs: ['--import', 'dynotel/register'],
      env: full,
    },
  ];
  if (process.env.BENCH_HTTP_FLOORS !== '0') apps.push(...floorApps(framework, otlpEndpoint));
  return apps;
}

/**
 * The floors of issue #23's targets, in the users' setup (no IPC, access lines to stdout redirected by
 * the harness, the matrix's routes): the work a target requires, by hand, without dynotel
 * (`servers/floor.ts`). Each target's verdict quotes its floor in the same cell: a target the floor
 * misses is out of reach for any implementation here.
 */
export const FLOORS = [
  { level: 1, label: 'floor 1: request id + close', bounds: 'metrics-only' },
  { level: 4, label: 'floor 4: + frame, access line, trace ids, RED metrics', bounds: '10% sampled' },
  { level: 5, label: 'floor 5: + a span per request over OTLP/gRPC', bounds: 'full (CJS)' },
] as const;

function floorApps(framework: Framework, otlpEndpoint: string): AppSpec[] {
  return FLOORS.map(({ level, label }) => ({
    id: `${framework}-floor-${level}`,
    label,
    script: 'http/servers/floor.ts',
    env: {
      BENCH_FLOOR_FRAMEWORK: framework,
      BENCH_FLOOR_LEVEL: String(level),
      BENCH_FLOOR_STDOUT: '1',
      BENCH_OTLP_ENDPOINT: otlpEndpoint,
    },
  }));
}

/** BENCH_HTTP_ONLY=fastify-bare,fastify-full narrows a run (the baseline always stays). */
export function narrowed(apps: readonly AppSpec[]): AppSpec[] {
  const only = process.env.BENCH_HTTP_ONLY?.split(',');
  return only === undefined ? [...apps] : apps.filter((app, i) => i === 0 || only.includes(app.id));
}
