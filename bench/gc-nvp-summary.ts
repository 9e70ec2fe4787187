/**
 * Sums up a `node --trace-gc-nvp` log (issue #20): for scavenges the bytes each had to copy (survivors
 * kept in the young generation plus those promoted to the old one) — the work that makes a scavenge's
 * pause long, and unlike the pause not inflated by other processes on a shared machine — and the pauses;
 * for mark-compacts the pauses. Lines before the first `body:` line (module loading) are left out.
 *
 *   pnpm exec node --conditions=@dynotel/source --trace-gc-nvp bench/foreign-block.ts 6 50 > gc.log
 *   pnpm exec node bench/gc-nvp-summary.ts < gc.log
 */
import { text } from 'node:stream/consumers';

const log = await text(process.stdin);
const start = log.indexOf('\nbody:');
const lines = (start === -1 ? log : log.slice(start)).split('\n');

const field = (line: string, name: string): number => {
  const match = new RegExp(`(?:^| )${name}=([0-9.]+)`).exec(line);
  return match === null ? 0 : Number(match[1]);
};
const percentile = (values: number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
};
const mb = (bytes: number): number => +(bytes / 2 ** 20).toFixed(2);

const copied: number[] = [];
const scavengePauses: number[] = [];
const markCompactPauses: number[] = [];
for (const line of lines) {
  if (line.includes(' gc=s ')) {
    copied.push(field(line, 'promoted') + field(line, 'new_space_survived'));
    scavengePauses.push(field(line, 'pause'));
  } else if (line.includes(' gc=mc ') || line.includes(' gc=mmc ')) {
    markCompactPauses.push(field(line, 'pause'));
  }
}
console.log(
  JSON.stringify({
    scavenges: copied.length,
    copiedMBPerScavengeMedian: mb(percentile(copied, 50)),
    copiedMBPerScavengeMax: mb(Math.max(0, ...copied)),
    copiedMBTotal: mb(copied.reduce((a, b) => a + b, 0)),
    scavengePauseMsMedian: percentile(scavengePauses, 50),
    scavengePauseMsP90: percentile(scavengePauses, 90),
    scavengePauseMsMax: Math.max(0, ...scavengePauses),
    markCompacts: markCompactPauses.length,
    markCompactPauseMsMax: Math.max(0, ...markCompactPauses),
  }),
);
