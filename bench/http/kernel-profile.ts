/**
 * Where a benchmark server's time goes in the kernel, per request: `pnpm exec node
 * --conditions=@dynotel/source bench/http/kernel-profile.ts fastify-bare,fastify-dynotel [seconds] [req/s]`
 * samples each server under load with `perf record -e cpu-clock -g` (a software clock: it works on VMs
 * without hardware counters) and reports, in µs per request, the busy time, the response's socket write
 * (`writeUtf8String`, including the loopback TCP path it runs), and the part of that write spent waking
 * the reader (`sock_def_readable`: the load generator, on the other core). V8's profiler shows the write
 * as one opaque native frame; this is what is inside it. Needs `perf` (Debian: linux-perf) and root or
 * `kernel.perf_event_paranoid` ≤ 1. perf's sampling makes every figure larger than without it: compare
 * servers inside one run only. The servers run side by side and are sampled in turn, `rounds` times
 * (default 3), and the medians are reported: this machine's speed changes from one minute to the next.
 */
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startOtlpSink } from '../lib/otlp-sink.ts';
import { pinSelf, type ServerProcess, startServer } from '../lib/server-process.ts';
import { median } from '../lib/stats.ts';
import { drive } from './load.ts';

const names = (process.argv[2] ?? 'fastify-bare,fastify-dynotel').split(',');
const seconds = Number(process.argv[3] ?? 3);
const rate = process.argv[4] === undefined ? undefined : Number(process.argv[4]);
const rounds = Number(process.env.BENCH_KERNEL_ROUNDS ?? 3);
if (!(seconds > 0) || (rate !== undefined && !(rate > 0)) || !Number.isInteger(rounds) || rounds < 1)
  throw new Error(
    `usage: [BENCH_KERNEL_ROUNDS=n] kernel-profile.ts <servers> [seconds > 0] [req/s > 0], got ${process.argv.slice(2)} rounds=${rounds}`,
  );

interface KernelShares {
  busyUs: number;
  responseWriteUs: number;
  wakeReaderUs: number;
}

/** Sums sampled time (ns, perf's period) by what each sample's call chain contains. */
function sharesOf(dataFile: string, requests: number): KernelShares {
  const script = spawnSync('perf', ['script', '-i', dataFile, '-F', 'period,ip,sym'], {
    encoding: 'utf8',
    maxBuffer: 1 << 30,
  });
  if (script.status !== 0) throw new Error(`perf script failed: ${script.stderr}`);
  let busy = 0;
  let write = 0;
  let wake = 0;
  for (const sample of script.stdout.split('\n\n')) {
    const lines = sample.trim().split('\n');
    const period = Number.parseInt(lines[0]?.trim() ?? '', 10);
    if (!Number.isFinite(period)) continue;
    busy += period;
    const chain = lines.slice(1).join('\n');
    // node's StreamBase::WriteString is the JS writeUtf8String: the HTTP response (dynotel's own
    // writes, the log batch and the OTLP export, are buffer writes).
    if (!chain.includes('WriteString')) continue;
    write += period;
    if (chain.includes('sock_def_readable')) wake += period;
  }
  const us = (ns: number) => ns / 1000 / requests;
  return { busyUs: us(busy), responseWriteUs: us(write), wakeReaderUs: us(wake) };
}

/** Samples one server under load once. */
async function sample(server: ServerProcess): Promise<KernelShares & { rps: number }> {
  const dataFile = join(tmpdir(), `dynotel-kernel-${server.name}-${process.pid}.data`);
  try {
    const perf = spawn(
      'perf',
      ['record', '-q', '-e', 'cpu-clock', '-F', '4999', '-g', '-o', dataFile, '-p', String(server.pid)],
      { stdio: 'inherit' },
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    const load = await drive(`${server.url}/items/42`, { seconds, ...(rate === undefined ? {} : { rate }) });
    perf.kill('SIGINT');
    await once(perf, 'exit');
    return { ...sharesOf(dataFile, load.requests), rps: load.requests / load.seconds };
  } finally {
    await rm(dataFile, { force: true });
  }
}

pinSelf('1');
const sink = await startOtlpSink();
const servers: ServerProcess[] = [];
try {
  for (const name of names)
    servers.push(await startServer(name, { env: { BENCH_OTLP_ENDPOINT: sink.endpoint } }));
  for (const server of servers) await drive(`${server.url}/items/42`, { seconds: 2 });
  const samples = servers.map((): Array<KernelShares & { rps: number }> => []);
  for (let round = 0; round < rounds; round++) {
    for (const [i, server] of servers.entries()) samples[i]!.push(await sample(server));
    process.stderr.write(`round ${round + 1}/${rounds}\n`);
  }
  console.log(
    `${seconds} s per sample, ${rounds} rounds${rate === undefined ? ', as fast as each server answers' : `, ${rate} req/s offered`}; medians`,
  );
  console.log('| server | req/s | busy µs/req | response write µs/req | of which waking the reader |');
  console.log('|---|---|---|---|---|');
  servers.forEach((server, i) => {
    const of = (key: keyof KernelShares | 'rps') => median(samples[i]!.map((s) => s[key]));
    console.log(
      `| ${server.name} | ${Math.round(of('rps'))} | ${of('busyUs').toFixed(1)} | ${of('responseWriteUs').toFixed(2)} | ${of('wakeReaderUs').toFixed(2)} |`,
    );
  });
} finally {
  await Promise.all(servers.map((server) => server.stop()));
  await sink.stop();
  pinSelf('0-1023');
}
