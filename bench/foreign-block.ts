/**
 * How long a scrape of a 50 MB foreign (engine) body holds the event loop, and why (issue #20). Builds the
 * body of `test/metrics/large-foreign-source.test.ts` (42 gauge families of 20 000 series), scrapes it
 * several times through `scrapeStream()` with the per-source limit raised, and prints per scrape: the
 * longest event-loop block and its p99 (`monitorEventLoopDelay`, 1 ms resolution), the scrape time, the
 * RSS peak over the RSS before the scrape, and the garbage collector's pauses during the scrape (from
 * `PerformanceObserver('gc')`: count and longest pause of scavenges and of mark-compacts).
 *
 *   pnpm exec node --conditions=@dynotel/source bench/foreign-block.ts [scrapes=6] [MB=50] [floor]
 *   pnpm exec node --conditions=@dynotel/source --trace-gc bench/foreign-block.ts      (every GC and its pause)
 *   pnpm exec node --conditions=@dynotel/source --trace-gc-nvp bench/foreign-block.ts > gc.log
 *   pnpm exec node bench/gc-nvp-summary.ts < gc.log   (bytes each scavenge copied: the load-independent figure)
 *
 * `floor` then measures, in the same process and heap, what bare operations on the same string cost: the
 * loop idling (the machine's own noise), a sliced loop touching every line, one copying every line into
 * kept 60K-character chunks (the least any design that holds the output until it is written does), one
 * keeping a string per line (what holding a parsed model costs), and a synchronous `split('\n')` and
 * `JSON.parse` of the same size. FOREIGN_BLOCK_METRICS=<path of another copy's src/index.ts> measures that
 * copy instead (A/B in separate processes). A diagnostic, not a benchmark of record: on a shared machine
 * compare medians, and prefer the scavenges' copied bytes, which other processes do not inflate.
 */
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type * as Metrics from '@dynotel/metrics';

// FOREIGN_BLOCK_METRICS=<path to another copy's src/index.ts> measures that copy instead (A/B).
const { createMetricsRoot } = (await import(
  process.env.FOREIGN_BLOCK_METRICS ?? '@dynotel/metrics'
)) as typeof Metrics;

const SERIES_PER_FAMILY = 20_000;
const scrapes = Number(process.argv[2] ?? 6);
const megabytes = Number(process.argv[3] ?? 50);
const floor = process.argv[4] === 'floor';

function engineBody(bytes: number): { text: string; series: number } {
  const parts: string[] = [];
  let size = 0;
  let series = 0;
  for (let family = 0; size < bytes; family++) {
    const lines = [`# HELP eng_f${family} Engine family ${family}\n# TYPE eng_f${family} gauge\n`];
    for (let i = 0; i < SERIES_PER_FAMILY; i++) {
      lines.push(`eng_f${family}{kind="decode",model="llama-3-70b",shard="${i}"} ${i * 1.5}\n`);
    }
    const block = lines.join('');
    parts.push(block);
    size += block.length;
    series += SERIES_PER_FAMILY;
  }
  return { text: parts.join(''), series };
}

interface GcStats {
  minorCount: number;
  minorMaxMs: number;
  minorTotalMs: number;
  majorCount: number;
  majorMaxMs: number;
  majorTotalMs: number;
  otherMaxMs: number;
}

const gcLog: Array<{ kind: number; ms: number }> = [];
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    const { detail } = entry as unknown as { detail: { kind: number } };
    gcLog.push({ kind: detail.kind, ms: entry.duration });
  }
}).observe({ entryTypes: ['gc'] });

function gcSince(from: number): GcStats {
  const stats: GcStats = {
    minorCount: 0,
    minorMaxMs: 0,
    minorTotalMs: 0,
    majorCount: 0,
    majorMaxMs: 0,
    majorTotalMs: 0,
    otherMaxMs: 0,
  };
  for (const { kind, ms } of gcLog.slice(from)) {
    if (kind === 1) {
      stats.minorCount++;
      stats.minorMaxMs = Math.max(stats.minorMaxMs, ms);
      stats.minorTotalMs += ms;
    } else if (kind === 4) {
      stats.majorCount++;
      stats.majorMaxMs = Math.max(stats.majorMaxMs, ms);
      stats.majorTotalMs += ms;
    } else stats.otherMaxMs = Math.max(stats.otherMaxMs, ms); // incremental marking steps, weak callbacks
  }
  return stats;
}

const round = (n: number): number => +n.toFixed(1);

/** Runs `work` with the event loop watched; returns the block figures, RSS growth and GC pauses. */
async function watched(label: string, work: () => Promise<void>): Promise<Record<string, unknown>> {
  // The GC entries arrive asynchronously: let the previous ones land first.
  await new Promise((resolve) => setTimeout(resolve, 20));
  const gcFrom = gcLog.length;
  const delay = monitorEventLoopDelay({ resolution: 1 });
  const rssBefore = process.memoryUsage.rss();
  let rssPeak = rssBefore;
  const ticker = setInterval(() => {
    rssPeak = Math.max(rssPeak, process.memoryUsage.rss());
  }, 1);
  delay.enable();
  const started = performance.now();
  await work();
  const elapsed = performance.now() - started;
  delay.disable();
  clearInterval(ticker);
  rssPeak = Math.max(rssPeak, process.memoryUsage.rss());
  await new Promise((resolve) => setTimeout(resolve, 20));
  const gc = gcSince(gcFrom);
  const row = {
    run: label,
    ms: Math.round(elapsed),
    maxBlockMs: round(delay.max / 1e6),
    p99BlockMs: round(delay.percentile(99) / 1e6),
    rssGrowthMB: Math.round((rssPeak - rssBefore) / 2 ** 20),
    rssPeakMB: Math.round(rssPeak / 2 ** 20),
    scavenges: gc.minorCount,
    scavengeMaxMs: round(gc.minorMaxMs),
    scavengeTotalMs: Math.round(gc.minorTotalMs),
    markCompacts: gc.majorCount,
    markCompactMaxMs: round(gc.majorMaxMs),
    markCompactTotalMs: Math.round(gc.majorTotalMs),
    otherGcMaxMs: round(gc.otherMaxMs),
  };
  console.log(JSON.stringify(row));
  return row;
}

const body = engineBody(megabytes * 2 ** 20);
console.log(
  `body: ${(body.text.length / 2 ** 20).toFixed(1)} MB, ${body.series} series; node ${process.version}`,
);
const root = createMetricsRoot({ foreignTextMaxBytes: 64 * 1024 * 1024 });
root.addExpositionCallback(() => body.text, { source: 'engine' });

const rows: Array<Record<string, unknown>> = [];
for (let i = 0; i < scrapes; i++) {
  rows.push(
    await watched(`scrape ${i + 1}`, async () => {
      const stream = await root.scrapeStream();
      let samples = 0;
      for await (const chunk of stream.body) {
        if (chunk.startsWith('eng_f')) samples++;
        for (let at = chunk.indexOf('\neng_f'); at !== -1; at = chunk.indexOf('\neng_f', at + 1)) samples++;
      }
      if (samples !== body.series) throw new Error(`expected ${body.series} samples, got ${samples}`);
    }),
  );
}

const sorted = (key: string): number[] => rows.map((row) => row[key] as number).sort((a, b) => a - b);
const median = (key: string): number => {
  const values = sorted(key);
  return values[Math.floor(values.length / 2)] as number;
};
console.log(
  `summary over ${rows.length} scrapes: maxBlockMs median ${median('maxBlockMs')} worst ${sorted('maxBlockMs').at(-1)}; ` +
    `p99BlockMs median ${median('p99BlockMs')} worst ${sorted('p99BlockMs').at(-1)}; ` +
    `scrape ms median ${median('ms')}; RSS growth MB median ${median('rssGrowthMB')} worst ${sorted('rssGrowthMB').at(-1)}; ` +
    `mark-compact pause max ${sorted('markCompactMaxMs').at(-1)} ms; scavenge pause max ${sorted('scavengeMaxMs').at(-1)} ms`,
);

if (floor) {
  // What the same heap charges for bare operations on the same string, without the metrics pipeline. The
  // sliced loops use the foreign path's slices (3 ms, clock read every 64 lines).
  const afterTimer = () => new Promise((resolve) => setTimeout(resolve, 1));
  async function slicedLines(perLine: (line: string) => void): Promise<void> {
    const text = body.text;
    let sliceStart = performance.now();
    for (let pos = 0, n = 0; pos < text.length; n++) {
      const end = text.indexOf('\n', pos);
      perLine(text.slice(pos, end));
      pos = end + 1;
      if ((n & 63) === 0 && performance.now() - sliceStart >= 3) {
        await nextTurn();
        sliceStart = performance.now();
      }
    }
  }
  await watched('floor: idle 2 s with the body alive (the machine itself)', async () => {
    const until = performance.now() + 2000;
    while (performance.now() < until) await new Promise((resolve) => setTimeout(resolve, 5));
  });
  let sum = 0;
  await watched('floor: sliced loop, one slice(line) per line, nothing kept', () =>
    slicedLines((line) => {
      sum += line.length;
    }),
  );
  // As often as the scrapes, so its mark-compacts show: they are the floor of holding the output.
  for (let i = 0; i < scrapes; i++) {
    await watched(
      `floor: sliced loop copying every line into kept 60K-character chunks (${i + 1})`,
      async () => {
        const chunks: string[] = [];
        const lines: string[] = [];
        let length = 0;
        await slicedLines((line) => {
          const copy = `${line} \n`;
          lines.push(copy);
          length += copy.length;
          if (length >= 60 * 1024) {
            chunks.push(lines.join(''));
            lines.length = 0;
            length = 0;
          }
        });
        sum += chunks.length;
      },
    );
  }
  await watched('floor: sliced loop keeping one short string per line', async () => {
    const kept: string[] = [];
    await slicedLines((line) => kept.push(`${line}\n`));
    sum += kept.length;
  });
  const json = JSON.stringify(body.text);
  for (const [label, work] of [
    ["floor: text.split('\\n') (synchronous)", () => body.text.split('\n').length],
    [
      'floor: JSON.parse of the body as one JSON string (synchronous)',
      () => (JSON.parse(json) as string).length,
    ],
  ] as const) {
    let took = 0;
    await watched(label, async () => {
      const started = performance.now();
      sum += work();
      took = performance.now() - started;
      await afterTimer();
    });
    // monitorEventLoopDelay misses a single block that ends the measurement: the call's own time is the block.
    console.log(`  ${label}: the call holds the loop for ${took.toFixed(1)} ms`);
  }
  if (sum < 0) console.log(sum);
}
