/**
 * Counts the cells meeting each of issue #23's HTTP targets beside its floor (bench/lib/target-counts.ts)
 * in a run's markdown: RESULTS.md, or a second run kept only as markdown.
 *
 *   pnpm exec node bench/targets.ts bench/RESULTS.md
 */
import { readFileSync } from 'node:fs';
import { countTargets, renderTargetCounts } from './lib/target-counts.ts';

const file = process.argv[2];
if (file === undefined) {
  console.error('usage: node bench/targets.ts <results markdown, e.g. bench/RESULTS.md>');
  process.exit(2);
}
const counts = countTargets(readFileSync(file, 'utf8'));
if (counts.length === 0) {
  console.error(
    `${file} has no HTTP matrix tables (the req/s and CPU tables of \`pnpm bench --suite http\`)`,
  );
  process.exit(1);
}
console.log(renderTargetCounts(counts));
