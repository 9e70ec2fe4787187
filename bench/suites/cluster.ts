/**
 * Scrape of a clustered service (issue: scale out on one host): the primary of 4 workers aggregating
 * their snapshots on every scrape, beside one process holding the same series alone. Both started with
 * `--import dynotel/register` as docs/cluster.md shows; the scrape is a GET of /metrics on
 * DYN_SYSTEM_PORT. Figures: wall time per scrape, and the CPU every process of the service spent per
 * scrape (primary and workers, from /proc), i.e. what aggregation adds.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { median, percentile } from '../lib/stats.ts';
import type { BenchRow, Suite, SuiteContext } from '../lib/types.ts';

const APP = fileURLToPath(new URL('../cluster/app.ts', import.meta.url));
/** /proc/<pid>/stat counts CPU time in clock ticks of USER_HZ, 100 per second on Linux. */
const MS_PER_TICK = 10;

interface Service {
  readonly child: ChildProcess;
  readonly metricsUrl: string;
  readonly healthUrl: string;
}

async function startService(workers: number, series: number): Promise<Service> {
  const child = spawn(
    process.execPath,
    ['--conditions=@dynotel/source', '--import', 'dynotel/register', APP],
    {
      // `--import dynotel/register` resolves from here, as from an application's own folder.
      cwd: fileURLToPath(new URL('..', import.meta.url)),
      env: {
        PATH: process.env.PATH,
        DYN_LOGGING_JSONL: '1',
        DYN_LOG: 'warn,dynotel=info',
        DYN_SYSTEM_PORT: '0',
        DYN_SYSTEM_HOST: '127.0.0.1',
        BENCH_WORKERS: String(workers),
        BENCH_SERIES: String(series),
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  try {
    return await untilServing(child, workers, series);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
}

/** The service once every worker recorded its series and the primary's aggregate shows them all. */
async function untilServing(child: ChildProcess, workers: number, series: number): Promise<Service> {
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the service did not start its system server')), 30_000);
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (!line.includes('system status server listening')) return;
      clearTimeout(timer);
      resolve(String((JSON.parse(line) as { url: string }).url));
    });
    child.once('exit', () => reject(new Error('the service exited before it listened')));
  });
  const service = { child, metricsUrl: `${url}/metrics`, healthUrl: `${url}/health` };
  // Ready: every worker listens (the primary's readiness counts them) and has recorded its series.
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const body = await (await fetch(service.metricsUrl)).text();
    if (itemsTotal(body) === expectedTotal(Math.max(1, workers), series)) return service;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('the aggregate never reached every worker’s series');
}

/** The sum over all series of bench_items_total: each process records 1 + 2 + … + series. */
function expectedTotal(processes: number, series: number): number {
  return (processes * series * (series + 1)) / 2;
}

function itemsTotal(body: string): number {
  let total = 0;
  for (const line of body.split('\n')) {
    // dynotel prefixes the service level's families (`dynamo_component_bench_items_total`).
    if (line.includes('bench_items_total{')) total += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return total;
}

/** utime + stime of a process and its children (the workers), in ms. */
function treeCpuMs(pid: number): number {
  let ticks = 0;
  const visit = (id: number): void => {
    try {
      const stat = readFileSync(`/proc/${id}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
      const children = readFileSync(`/proc/${id}/task/${id}/children`, 'utf8').trim();
      for (const child of children === '' ? [] : children.split(' ')) visit(Number(child));
    } catch {
      // a process that ended between two reads
    }
  };
  visit(pid);
  return ticks * MS_PER_TICK;
}

async function measure(service: Service, scrapes: number): Promise<Record<string, number>> {
  const wall: number[] = [];
  let bytes = 0;
  const cpuBefore = treeCpuMs(service.child.pid!);
  for (let i = 0; i < scrapes; i++) {
    const start = performance.now();
    const body = await (await fetch(service.metricsUrl)).text();
    wall.push(performance.now() - start);
    bytes = body.length;
  }
  const cpuMs = (treeCpuMs(service.child.pid!) - cpuBefore) / scrapes;
  return { median: median(wall), p99: percentile(wall, 99), cpuMs, bodyKB: bytes / 1024 };
}

async function stop(service: Service): Promise<void> {
  const exited = once(service.child, 'exit');
  service.child.kill('SIGTERM');
  const timer = setTimeout(() => service.child.kill('SIGKILL'), 20_000);
  await exited;
  clearTimeout(timer);
}

export const clusterSuite: Suite = {
  name: 'cluster',
  title: 'Cluster: one /metrics for 4 workers',
  description:
    'ms per scrape of /metrics on DYN_SYSTEM_PORT (lower is better), with the CPU every process of the service spent per scrape (primary and workers) and the body size. "one process" holds the series alone; "primary + 4 workers" aggregates four snapshots of the same series (each worker records them all, so the counters sum to 4×) on every scrape. Both started with --import dynotel/register, as docs/cluster.md shows.',
  async run(context: SuiteContext): Promise<BenchRow[]> {
    // Below DYN_METRICS_SERIES_LIMIT (2000 per family by default).
    const series = context.smoke ? 100 : 1500;
    const scrapes = context.smoke ? 3 : 50;
    const rows: BenchRow[] = [];
    const results: Record<string, Record<string, number>[]> = {
      'one process': [],
      'primary + 4 workers': [],
    };
    for (let round = 0; round < context.rounds; round++) {
      for (const [impl, workers] of [
        ['one process', 0],
        ['primary + 4 workers', 4],
      ] as const) {
        const service = await startService(workers, series);
        try {
          await measure(service, Math.min(5, scrapes)); // warm-up
          results[impl]!.push(await measure(service, scrapes));
        } finally {
          await stop(service);
        }
      }
    }
    for (const [impl, runs] of Object.entries(results)) {
      const of = (key: string) => median(runs.map((run) => run[key]!));
      rows.push({
        suite: 'cluster',
        case: `scrape, ${series} series per process`,
        impl,
        value: of('median'),
        unit: 'ms',
        extra: { 'p99 ms': of('p99'), 'CPU ms per scrape': of('cpuMs'), 'body KB': of('bodyKB') },
      });
    }
    context.log(`cluster: ${JSON.stringify(rows.map((row) => [row.impl, row.value, row.extra]))}`);
    return rows;
  },
};
