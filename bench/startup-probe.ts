/**
 * A quick start-up and idle-memory probe of the built packages (issue #23), for work on load cost; the
 * `startup` suite (bench/suites/startup.ts) is the figure of record.
 *
 *   pnpm build && pnpm exec node bench/startup-probe.ts [--starts 10] [--only esm,cjs,fastify-esm,load,rss]
 *
 * Per start, every variant once, interleaved (order reversed every other round): spawn to the first 200
 * of bench/http/apps/minimal.{cjs,mjs} (and fastify-bare.mjs with `--only fastify-esm`), bare and with
 * `--require`/`--import dynotel/register`, in the full environment (export on, spans over OTLP/gRPC to
 * a live sink) and in the default one (export off); `require`/`import('dynotel')` load time in a fresh
 * node; and the resident set of an idle node 300 ms after `require('dynotel')` + `init()` (full and
 * default environment) beside a bare idle node.
 * Prints medians, each minus its bare median, and the load average before and after.
 * `--compare <dir>` runs the same variants of another build (e.g. the previous commit's dist, copied to
 * <dir>/packages/<name>/dist with its node_modules linked) in the same rounds, for before/after figures.
 */
import { spawn, spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { fullEnv } from './http/apps/variants.ts';
import {
  type AppSpec,
  BENCH_DIR,
  freePort,
  spawnApp,
  stopChild,
  waitUntilServing,
} from './lib/app-process.ts';
import { assertBuilt } from './lib/built.ts';
import { startOtlpSink } from './lib/otlp-sink.ts';
import { canPin } from './lib/server-process.ts';
import { median } from './lib/stats.ts';

const { values } = parseArgs({
  options: {
    starts: { type: 'string', default: '10' },
    only: { type: 'string', default: 'esm,cjs,load,rss' },
    // Another build to measure beside this one, in the same interleaved rounds: a directory holding
    // packages/dynotel/dist (and the other packages, linked as a workspace would be).
    compare: { type: 'string' },
  },
});
const starts = Number(values.starts);
const only = new Set(values.only.split(','));

/** Strips the parent's OTEL_/DYN_ variables so "default" really is the default configuration. */
function cleanEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !key.startsWith('OTEL_') && !key.startsWith('DYN_')) env[key] = value;
  }
  return env;
}
const base = cleanEnv();

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

function pinned(args: readonly string[]): [string, string[]] {
  return canPin ? ['taskset', ['-c', '0', process.execPath, ...args]] : [process.execPath, [...args]];
}

function loadMs(args: readonly string[], env: Record<string, string>): number {
  const [command, argv] = pinned(args);
  const result = spawnSync(command, argv, { cwd: BENCH_DIR, encoding: 'utf8', env });
  const ms = Number(result.stdout.trim());
  if (result.status !== 0 || !Number.isFinite(ms)) throw new Error(`load timing failed: ${result.stderr}`);
  return ms;
}

/** VmRSS (KiB) of a node that ran `code` and then idles; read from /proc by this parent. */
async function idleRssKiB(code: string, env: Record<string, string>): Promise<number> {
  const [command, argv] = pinned(['-e', `${code};setTimeout(()=>process.exit(0),3000);console.log('up')`]);
  const child = spawn(command, argv, { cwd: BENCH_DIR, env, stdio: ['ignore', 'pipe', 'ignore'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`idle probe exited ${code}`)));
  });
  await new Promise((resolve) => setTimeout(resolve, 300));
  const status = spawnSync('cat', [`/proc/${child.pid}/status`], { encoding: 'utf8' }).stdout;
  child.kill('SIGKILL');
  return Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1]);
}

interface Variant {
  readonly label: string;
  readonly group: string;
  readonly bare?: string;
  readonly measure: () => Promise<number> | number;
}

async function main(): Promise<void> {
  assertBuilt();
  const sink = await startOtlpSink();
  const full = { ...base, ...fullEnv(sink.endpoint) };
  const variants: Variant[] = [];
  const builds: { prefix: string; dist: (file: string) => string }[] = [
    { prefix: '', dist: (file) => (file.startsWith('index') ? 'dynotel' : `dynotel/${file.split('.')[0]}`) },
  ];
  if (values.compare !== undefined) {
    const dir = resolve(values.compare, 'packages/dynotel/dist');
    builds.push({ prefix: 'base ', dist: (file) => join(dir, file) });
  }
  const apps = [
    { group: 'cjs', script: 'http/apps/minimal.cjs' },
    { group: 'esm', script: 'http/apps/minimal.mjs' },
    // An ESM app that reaches node:http only through require (inside Fastify), unlike minimal.mjs.
    { group: 'fastify-esm', script: 'http/apps/fastify-bare.mjs' },
  ] as const;
  for (const { group, script } of apps) {
    if (!only.has(group)) continue;
    const format = group === 'cjs' ? 'cjs' : 'esm';
    const flag = format === 'cjs' ? '--require' : '--import';
    const bare = `bare (${group})`;
    const app = (env: Record<string, string>, nodeArgs?: string[]): AppSpec => ({
      id: script,
      label: script,
      script,
      env,
      ...(nodeArgs === undefined ? {} : { nodeArgs }),
    });
    variants.push({ label: bare, group, measure: () => timeToFirstResponse(app(base)) });
    for (const { prefix, dist } of builds) {
      const register = dist(format === 'cjs' ? 'register.cjs' : 'register.mjs');
      variants.push(
        {
          label: `${prefix}${flag} register, full env${group === 'fastify-esm' ? ' (fastify)' : ''}`,
          group,
          bare,
          measure: () => timeToFirstResponse(app(full, [flag, register])),
        },
        {
          label: `${prefix}${flag} register, default env${group === 'fastify-esm' ? ' (fastify)' : ''}`,
          group,
          bare,
          measure: () => timeToFirstResponse(app(base, [flag, register])),
        },
      );
    }
  }
  if (only.has('load')) {
    for (const { prefix, dist } of builds) {
      const cjs = JSON.stringify(dist('index.cjs'));
      const mjs = JSON.stringify(prefix === '' ? 'dynotel' : pathToFileURL(dist('index.mjs')).href);
      const requireJs = `const t=performance.now();require(${cjs});console.log(performance.now()-t)`;
      const importJs = `const t=performance.now();await import(${mjs});console.log(performance.now()-t)`;
      variants.push(
        {
          label: `${prefix}require('dynotel')`,
          group: 'load',
          measure: () => loadMs(['-e', requireJs], base),
        },
        {
          label: `${prefix}import('dynotel')`,
          group: 'load',
          measure: () => loadMs(['--input-type=module', '-e', importJs], base),
        },
      );
    }
  }
  if (only.has('rss')) {
    variants.push({
      label: 'idle RSS bare (MiB)',
      group: 'rss',
      measure: async () => (await idleRssKiB('0', base)) / 1024,
    });
    for (const { prefix, dist } of builds) {
      const index = JSON.stringify(dist('index.cjs'));
      const initJs = `require(${index}).init()`;
      variants.push(
        {
          label: `${prefix}idle RSS require('dynotel') (MiB)`,
          group: 'rss',
          bare: 'idle RSS bare (MiB)',
          measure: async () => (await idleRssKiB(`require(${index})`, base)) / 1024,
        },
        {
          label: `${prefix}idle RSS init(), default env (MiB)`,
          group: 'rss',
          bare: 'idle RSS bare (MiB)',
          measure: async () => (await idleRssKiB(initJs, { ...base, DYN_LOG: 'error' })) / 1024,
        },
        {
          label: `${prefix}idle RSS init(), full env (MiB)`,
          group: 'rss',
          bare: 'idle RSS bare (MiB)',
          measure: async () => (await idleRssKiB(initJs, { ...full, DYN_LOG: 'error' })) / 1024,
        },
      );
    }
  }
  const samples = variants.map((): number[] => []);
  const loadBefore = loadavg();
  try {
    for (let i = 0; i < starts; i++) {
      const order = [...variants.keys()];
      if (i % 2 === 1) order.reverse();
      for (const v of order) samples[v]!.push(await variants[v]!.measure());
      process.stderr.write(`round ${i + 1}/${starts}\n`);
    }
  } finally {
    await sink.stop();
  }
  const medians = new Map(variants.map((v, k) => [v.label, median(samples[k]!)]));
  const fmt = (n: number) => n.toFixed(1).padStart(7);
  console.log(`load average before: ${loadBefore.map((n) => n.toFixed(2)).join(' ')}`);
  console.log(
    `load average after:  ${loadavg()
      .map((n) => n.toFixed(2))
      .join(' ')}`,
  );
  console.log(`medians of ${starts} interleaved runs (pinned: ${canPin})`);
  for (const v of variants) {
    const m = medians.get(v.label)!;
    const added = v.bare === undefined ? '' : `  (+${fmt(m - medians.get(v.bare)!).trim()})`;
    const k = variants.indexOf(v);
    console.log(
      `${v.label.padEnd(40)} ${fmt(m)}${added}   min ${fmt(Math.min(...samples[k]!))} max ${fmt(Math.max(...samples[k]!))}`,
    );
  }
}

await main();
