/**
 * Start-up: how long a minimal node:http app takes from spawn to its first 200 response, bare and with
 * `--require` / `--import dynotel/register` (full telemetry environment), starts interleaved; and the
 * time of `require('dynotel')` / `import('dynotel')` alone, measured inside a fresh node.
 */
import { spawnSync } from 'node:child_process';
import { fullEnv } from '../http/apps/variants.ts';
import {
  type AppSpec,
  BENCH_DIR,
  freePort,
  spawnApp,
  stopChild,
  waitUntilServing,
} from '../lib/app-process.ts';
import { startOtlpSink } from '../lib/otlp-sink.ts';
import { canPin } from '../lib/server-process.ts';
import { median } from '../lib/stats.ts';
import type { BenchRow, Suite } from '../lib/types.ts';

async function timeToFirstResponse(spec: AppSpec): Promise<number> {
  const port = await freePort();
  const started = performance.now();
  const child = spawnApp(spec, port);
  try {
    await waitUntilServing(child, `http://127.0.0.1:${port}/`, { everyMs: 2 });
    return performance.now() - started;
  } finally {
    await stopChild(child);
  }
}

const IMPORT_SCRIPTS = {
  "require('dynotel')": [
    '-e',
    "const t=performance.now();require('dynotel');console.log(performance.now()-t)",
  ],
  "import('dynotel')": [
    '--input-type=module',
    '-e',
    "const t=performance.now();await import('dynotel');console.log(performance.now()-t)",
  ],
} as const;

function importMs(args: readonly string[]): number {
  const [command, argv] = canPin
    ? ['taskset', ['-c', '0', process.execPath, ...args]]
    : [process.execPath, args];
  const result = spawnSync(command, argv as string[], { cwd: BENCH_DIR, encoding: 'utf8' });
  const ms = Number(result.stdout.trim());
  if (result.status !== 0 || !Number.isFinite(ms)) throw new Error(`import timing failed: ${result.stderr}`);
  return ms;
}

export const startupSuite: Suite = {
  name: 'startup',
  usesBuiltPackages: true,
  title: 'Start-up: minimal app to its first response',
  description:
    "A minimal node:http app (bench/http/apps/minimal.cjs / .mjs), spawned pinned to core 0 and polled every 2 ms until `GET /` answers 200, median of 10 starts per variant, variants interleaved; `added ms` is the median minus the bare median of the same module format (target: `--import dynotel/register` adds ≤ 150 ms). The register variants run with the full telemetry environment, spans to a live OTLP sink. `require`/`import('dynotel')`: the load time alone, inside a fresh node.",
  async run(context) {
    const starts = context.smoke ? 2 : 10;
    const sink = await startOtlpSink();
    const full = fullEnv(sink.endpoint);
    const specs: AppSpec[] = [
      { id: 'minimal-cjs', label: 'bare (CJS)', script: 'http/apps/minimal.cjs' },
      {
        id: 'minimal-cjs-register',
        label: '--require dynotel/register',
        script: 'http/apps/minimal.cjs',
        nodeArgs: ['--require', 'dynotel/register'],
        env: full,
      },
      { id: 'minimal-esm', label: 'bare (ESM)', script: 'http/apps/minimal.mjs' },
      {
        id: 'minimal-esm-register',
        label: '--import dynotel/register',
        script: 'http/apps/minimal.mjs',
        nodeArgs: ['--import', 'dynotel/register'],
        env: full,
      },
    ];
    const times = specs.map((): number[] => []);
    const loads = Object.keys(IMPORT_SCRIPTS).map((): number[] => []);
    try {
      for (let i = 0; i < starts; i++) {
        const order = [...specs.keys()];
        if (i % 2 === 1) order.reverse();
        for (const s of order) times[s]!.push(await timeToFirstResponse(specs[s]!));
        for (const [k, args] of Object.values(IMPORT_SCRIPTS).entries()) loads[k]!.push(importMs(args));
        context.log(`  startup: start ${i + 1}/${starts}`);
      }
    } finally {
      await sink.stop();
    }
    const rows: BenchRow[] = specs.map((spec, s) => {
      const bare = median(times[s % 2 === 0 ? s : s - 1]!);
      return {
        suite: 'startup',
        case: 'spawn to first 200 (minimal app)',
        impl: spec.label,
        value: median(times[s]!),
        unit: 'ms',
        extra: { 'added ms': median(times[s]!) - bare, 'max ms': Math.max(...times[s]!) },
      };
    });
    for (const [k, name] of Object.keys(IMPORT_SCRIPTS).entries()) {
      rows.push({
        suite: 'startup',
        case: 'load time of the package alone',
        impl: name,
        value: median(loads[k]!),
        unit: 'ms',
        extra: { 'max ms': Math.max(...loads[k]!) },
      });
    }
    return rows;
  },
};
