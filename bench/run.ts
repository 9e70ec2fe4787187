/**
 * The benchmark harness: runs every suite (dynotel beside the peer stack, in the same process and run),
 * prints a table, and with --write records bench/RESULTS.md and bench/results.json. The suites http,
 * latency and startup run apps as users run them, on the BUILT packages: `pnpm build` first (they
 * refuse a stale build). Measure on a quiet machine only (`uptime`: 1-minute load below 1.0).
 *
 *   pnpm bench                 full run (about two hours: the HTTP matrix is most of it)
 *   pnpm bench --smoke         proves the harness runs (CI); figures are meaningless
 *   pnpm bench --quick         the HTTP matrix on 4 of its 24 cells (figures valid, coverage partial)
 *   pnpm bench --suite http    one suite (metrics-instruments, metrics-scrape, logging, tracing,
 *                             http, latency, startup, memory)
 *   pnpm bench --write         also rewrite bench/RESULTS.md
 *   pnpm bench --render        measure nothing: rebuild RESULTS.md from results.json and ANALYSIS.md
 *   pnpm bench --render --from bench/out/last-run.json
 *                             print the tables of a run that stopped early (see below)
 *
 * After every suite the rows so far go to bench/out/last-run.json, so a run that fails or is killed
 * keeps what it measured; a failing suite also prints the tables of the suites before it.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { assertBuilt, buildFingerprint } from './lib/built.ts';
import { renderMarkdown } from './lib/report.ts';
import type { BenchRow, Suite, SuiteContext } from './lib/types.ts';
import { suites } from './suites/index.ts';

const { values } = parseArgs({
  options: {
    smoke: { type: 'boolean', default: false },
    quick: { type: 'boolean', default: false },
    write: { type: 'boolean', default: false },
    suite: { type: 'string', multiple: true },
    rounds: { type: 'string' },
    render: { type: 'boolean', default: false },
    from: { type: 'string' },
  },
});

const analysis = await readFile(new URL('./ANALYSIS.md', import.meta.url), 'utf8').catch(() => '');
/** The generated tables, then the hand-written analysis (profiles, targets). */
function resultsMarkdown(recorded: Recorded, selected: readonly Suite[], smoke: boolean): string {
  const tables = renderMarkdown({ ...recorded, suites: selected, smoke });
  return `${tables}${analysis === '' ? '' : `\n${analysis}`}`;
}
interface Recorded {
  readonly command: string;
  readonly machine: Record<string, string | number>;
  readonly rows: BenchRow[];
}

if (values.render) {
  // After editing ANALYSIS.md: the recorded run's tables stay exactly as measured.
  const source = values.from ? resolve(values.from) : new URL('./results.json', import.meta.url);
  const recorded = JSON.parse(await readFile(source, 'utf8')) as Recorded;
  const names = new Set(recorded.rows.map((row) => row.suite));
  const tables = resultsMarkdown(
    recorded,
    suites.filter((s) => names.has(s.name)),
    false,
  );
  if (values.from) {
    console.log(tables);
  } else {
    await writeFile(new URL('./RESULTS.md', import.meta.url), tables);
    console.error('rebuilt bench/RESULTS.md from bench/results.json');
  }
  process.exit(0);
}

const selected: readonly Suite[] = values.suite?.length
  ? suites.filter((s) => values.suite!.includes(s.name))
  : suites;
if (selected.length === 0) {
  console.error(
    `unknown --suite ${values.suite?.join(',')}; accepted: ${suites.map((s) => s.name).join(', ')}`,
  );
  process.exit(2);
}
const rounds = Number(values.rounds ?? (values.smoke ? 1 : 5));
const context: SuiteContext = {
  smoke: values.smoke ?? false,
  quick: values.quick ?? false,
  rounds,
  log: (m) => console.error(m),
};
const machine = {
  node: process.version,
  cpu: cpus()[0]?.model ?? 'unknown',
  cores: cpus().length,
  memoryGiB: Math.round(totalmem() / 2 ** 30),
  date: new Date().toISOString(),
};
// The BENCH_* settings that shortened or narrowed the run belong to its command.
const settings = Object.entries(process.env)
  .filter(([name]) => name.startsWith('BENCH_'))
  .sort(([a], [b]) => a.localeCompare(b))
  .map(([name, value]) => `${name}=${value} `)
  .join('');
const command = `${settings}pnpm bench${process.argv.slice(2).length ? ` ${process.argv.slice(2).join(' ')}` : ''}`;

// Checked before anything is measured: a stale build found after an hour of measuring loses the hour.
let fingerprint: string;
try {
  fingerprint = selected.some((s) => s.usesBuiltPackages) ? assertBuilt() : buildFingerprint();
} catch (error) {
  console.error(`nothing measured: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(2);
}
const progress = new URL('./out/last-run.json', import.meta.url);
await mkdir(new URL('./out/', import.meta.url), { recursive: true });

const rows: BenchRow[] = [];
let failure: string | undefined;
for (const suite of selected) {
  if (suite.usesBuiltPackages && buildFingerprint() !== fingerprint) {
    failure = `the packages were rebuilt during the run; suite ${suite.name} and those after it did not run`;
    break;
  }
  console.error(`suite ${suite.name}: ${suite.title}`);
  try {
    rows.push(...(await suite.run(context)));
  } catch (error) {
    failure = `suite ${suite.name} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`;
    break;
  }
  await writeFile(progress, `${JSON.stringify({ command, machine, rows }, null, 2)}\n`);
}

if (failure !== undefined) {
  const measured = selected.filter((s) => rows.some((row) => row.suite === s.name));
  if (measured.length > 0) console.log(resultsMarkdown({ command, machine, rows }, measured, context.smoke));
  console.error(
    `${failure}\nthe rows measured before it: bench/out/last-run.json (nothing else was written)`,
  );
  process.exit(1);
}

const markdown = resultsMarkdown({ command, machine, rows }, selected, context.smoke);
console.log(markdown);
if (values.write && !context.smoke) {
  await writeFile(new URL('./RESULTS.md', import.meta.url), markdown);
  await writeFile(
    new URL('./results.json', import.meta.url),
    `${JSON.stringify({ command, machine, rows }, null, 2)}\n`,
  );
  console.error('wrote bench/RESULTS.md and bench/results.json');
}
