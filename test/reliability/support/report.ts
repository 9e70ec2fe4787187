import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const RESULTS_DIR = fileURLToPath(new URL('../.results/', import.meta.url));

/**
 * Records the figures of one guarantee (inputs tried, load held, what was dropped) so that
 * docs/reliability.md can quote the last run: one JSON file per test under test/reliability/.results/,
 * and one line on stdout.
 */
export function recordFigures(name: string, figures: Record<string, unknown>): void {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const entry = {
    name,
    at: new Date().toISOString(),
    short: process.env.RELIABILITY_SHORT === '1',
    ...figures,
  };
  writeFileSync(`${RESULTS_DIR}${name}.json`, `${JSON.stringify(entry, null, 2)}\n`);
  console.log(`[reliability] ${name} ${JSON.stringify(figures)}`);
}
