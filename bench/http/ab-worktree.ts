/**
 * A/B of the same benchmark servers at two commits: `pnpm exec node --conditions=@dynotel/source
 * bench/http/ab-worktree.ts <worktree> [servers] [rounds] [processes]` runs each named server from
 * <worktree> (another commit checked out with `git worktree add` and installed with `pnpm install
 * --offline`) beside the same server from this checkout, interleaved like the HTTP suite, in
 * `processes` fresh sets of processes in turn (identical servers in two processes differ by up to 15%,
 * so one set says little). Ratios are medians of per-round ratios to the worktree's first server.
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { startOtlpSink } from '../lib/otlp-sink.ts';
import { pinSelf, type ServerProcess, type StartServerOptions, startServer } from '../lib/server-process.ts';
import { measureInProcessSets, ratioTable } from './ipc-rounds.ts';

const worktree = process.argv[2];
const names = (process.argv[3] ?? 'fastify-bare,fastify-dynotel').split(',');
const rounds = Number(process.argv[4] ?? 15);
const processes = Number(process.argv[5] ?? 5);
if (
  worktree === undefined ||
  !Number.isInteger(rounds) ||
  rounds < 1 ||
  !Number.isInteger(processes) ||
  processes < 1
)
  throw new Error(
    `usage: ab-worktree.ts <worktree> [servers] [rounds ≥ 1] [processes ≥ 1], got ${process.argv.slice(2)}`,
  );

type Start = (name: string, options?: StartServerOptions) => Promise<ServerProcess>;
const { startServer: startOther } = (await import(
  pathToFileURL(join(worktree, 'bench/lib/server-process.ts')).href
)) as { startServer: Start };

pinSelf('1');
const sink = await startOtlpSink();
const env = { BENCH_OTLP_ENDPOINT: sink.endpoint };
const labels = names.flatMap((name) => [`${name} (worktree)`, `${name} (this checkout)`]);
try {
  const samples = await measureInProcessSets(
    names.flatMap((name) => [() => startOther(name, { env }), () => startServer(name, { env })]),
    { rounds, sets: processes, seconds: Number(process.env.BENCH_HTTP_SECONDS ?? 1), warmUpSeconds: 2 },
    (round, set) => process.stderr.write(`processes ${set + 1}/${processes}, round ${round + 1}\n`),
  );
  console.log(`${worktree} against this checkout; ratios to ${labels[0]}`);
  console.log(ratioTable(labels.map((label, i) => ({ label, samples: samples[i]! }))));
} finally {
  await sink.stop();
  pinSelf('0-1023');
}
