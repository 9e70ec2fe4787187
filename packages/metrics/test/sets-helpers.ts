import type { ExpositionFamily } from '../src/foreign/model.ts';
import { parseExposition } from '../src/foreign/parser.ts';
import type { MetricsLevel } from '../src/index.ts';

/** A scrape of `level`, parsed strictly, with lookups by sample name and labels. */
export interface ParsedScrape {
  readonly body: string;
  readonly families: readonly ExpositionFamily[];
  /** The value of the sample with exactly these labels, or undefined when absent. */
  value(name: string, labels?: Record<string, string>): number | undefined;
  /** Every sample with this name. */
  samples(name: string): Array<{ labels: Record<string, string>; value: number }>;
  family(name: string): ExpositionFamily | undefined;
}

export async function scrapeParsed(level: MetricsLevel): Promise<ParsedScrape> {
  const { body } = await level.scrape();
  const parsed = parseExposition(body, { format: 'text' });
  if (!parsed.ok)
    throw new Error(`scrape is not valid 0.0.4 at line ${parsed.error.line}: ${parsed.error.message}`);
  const families = parsed.exposition.families;
  const all = families.flatMap((f) =>
    f.samples.map((s) => ({
      name: s.name,
      labels: Object.fromEntries(s.labels.map((l) => [l.name, l.value])),
      value: s.value,
    })),
  );
  const same = (a: Record<string, string>, b: Record<string, string>) =>
    Object.keys(a).length === Object.keys(b).length && Object.entries(a).every(([k, v]) => b[k] === v);
  return {
    body,
    families,
    value: (name, labels = {}) => all.find((s) => s.name === name && same(s.labels, labels))?.value,
    samples: (name) => all.filter((s) => s.name === name).map(({ labels, value }) => ({ labels, value })),
    family: (name) => families.find((f) => f.name === name),
  };
}

/** A clock the test moves by hand (milliseconds). */
export function manualClock(start = 1000): { now: () => number; advance: (ms: number) => void } {
  let t = start;
  return {
    now: () => t,
    advance: (ms) => {
      t += ms;
    },
  };
}
