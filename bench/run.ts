/**
 * The benchmark harness: runs every suite (dynotel beside the peer stack, in the same process and run),
 * prints a table, and with --write records bench/RESULTS.md and bench/results.json.
 *
 *   pnpm bench                 full run (several minutes)
 *   pnpm bench --smoke         proves the harness runs (CI); figures are meaningless
 *   pnpm bench --suite scrape  one suite
 *   pnpm bench --write         also rewrite bench/RESULTS.md
 */
import { readFile, writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import { renderMarkdown } from './lib/report.ts';
import type { BenchRow, Suite, SuiteContext } from './lib/types.ts';
import { suites } from './suites/index.ts';

const { values } = parseArgs({
  options: {
    smoke: { type: 'boolean', default: false },
    write: { type: 'boolean', default: false },
    suite: { type: 'string', multiple: true },
    rounds: { type: 'string' },
  },
});

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
const context: SuiteContext = { smoke: values.smoke ?? false, rounds, log: (m) => console.error(m) };
const machine = {
  node: process.version,
  cpu: cpus()[0]?.model ?? 'unknown',
  cores: cpus().length,
  memoryGiB: Math.round(totalmem() / 2 ** 30),
  date: new Date().toISOString(),
};
const command = `pnpm bench${process.argv.slice(2).length ? ` ${process.argv.slice(2).join(' ')}` : ''}`;

const rows: BenchRow[] = [];
for (const suite of selected) {
  console.error(`suite ${suite.name}: ${suite.title}`);
  rows.push(...(await suite.run(context)));
}

// The hand-written analysis (profiles, targets) follows the generated tables in RESULTS.md.
const analysis = await readFile(new URL('./ANALYSIS.md', import.meta.url), 'utf8').catch(() => '');
const markdown = `${renderMarkdown({ command, machine, suites: selected, rows, smoke: context.smoke })}${analysis === '' ? '' : `\n${analysis}`}`;
console.log(markdown);
if (values.write && !context.smoke) {
  await writeFile(new URL('./RESULTS.md', import.meta.url), markdown);
  await writeFile(
    new URL('./results.json', import.meta.url),
    `${JSON.stringify({ command, machine, rows }, null, 2)}\n`,
  );
  console.error('wrote bench/RESULTS.md and bench/results.json');
}
