/**
 * CPU µs per request, frame by frame, of two profiles taken with bench/http/profile.ts (for example
 * bare Fastify and Fastify with dynotel), and the difference: where the added time per request goes,
 * independent of how busy the machine was (a share of busy time is not).
 *   pnpm exec node bench/http/profile-diff.ts bench/profiles/<bare dir> bench/profiles/<other dir> [rows]
 * Only samples of the load window (warm-up and load, the end of the profile) count: start-up is not
 * per-request work.
 */
import { readdirSync, readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}
interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

function perRequest(dir: string): { busyUs: number; frames: Map<string, number>; requests: number } {
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  if (file === undefined) throw new Error(`no .cpuprofile in ${dir}`);
  const profile = JSON.parse(readFileSync(`${dir}/${file}`, 'utf8')) as Profile;
  const { requests, loadSeconds } = JSON.parse(readFileSync(`${dir}/requests.json`, 'utf8')) as {
    requests: number;
    loadSeconds: number;
  };
  // Sample timestamps from the deltas; keep those of the last `loadSeconds` (the server stops right
  // after the load, so the window's end is the profile's end within a few milliseconds).
  const windowStart = profile.endTime - loadSeconds * 1e6;
  const hits = new Map<number, number>();
  let time = profile.startTime;
  let windowSamples = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    time += profile.timeDeltas[i] ?? 0;
    if (time < windowStart) continue;
    windowSamples++;
    const id = profile.samples[i]!;
    hits.set(id, (hits.get(id) ?? 0) + 1);
  }
  const usPerSample = (loadSeconds * 1e6) / windowSamples;
  const frames = new Map<string, number>();
  let busy = 0;
  for (const node of profile.nodes) {
    const { functionName, url, lineNumber } = node.callFrame;
    if (functionName === '(idle)') continue;
    const short = url
      .replace(/^.*node_modules\/\.pnpm\/[^/]+\/node_modules\//, '')
      .replace(/^file:\/\/\/work\/main\//, '')
      .replace(/^file:\/\/.*?\/(packages|bench)\//, '$1/');
    const key = `${functionName || '(anonymous)'} ${short}${url ? `:${lineNumber + 1}` : ''}`;
    const us = ((hits.get(node.id) ?? 0) * usPerSample) / requests;
    frames.set(key, (frames.get(key) ?? 0) + us);
    busy += us;
  }
  return { busyUs: busy, frames, requests };
}

const [baseDir, otherDir, rowsArg] = process.argv.slice(2);
if (baseDir === undefined || otherDir === undefined) {
  console.error('usage: profile-diff.ts <base profile dir> <other profile dir> [rows]');
  process.exit(2);
}
const base = perRequest(baseDir);
const other = perRequest(otherDir);
console.log(
  `busy CPU per request: base ${base.busyUs.toFixed(1)} µs (${base.requests} requests), other ${other.busyUs.toFixed(1)} µs (${other.requests} requests), added ${(other.busyUs - base.busyUs).toFixed(1)} µs`,
);
/** Who owns a frame: a workspace package, a dependency, node core, or native/VM work. */
function ownerOf(key: string): string {
  const where = key.slice(key.lastIndexOf(' ') + 1);
  if (where.startsWith('packages/')) return where.split('/').slice(0, 2).join('/');
  if (where.startsWith('node:')) return 'node core';
  if (where === '') return key.startsWith('(') ? key.split(' ')[0]! : 'native (syscalls, encoders)';
  const parts = where.split('/');
  return parts[0]!.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!;
}
const owners = new Map<string, number>();
for (const [key, us] of other.frames) owners.set(ownerOf(key), (owners.get(ownerOf(key)) ?? 0) + us);
for (const [key, us] of base.frames) owners.set(ownerOf(key), (owners.get(ownerOf(key)) ?? 0) - us);
console.log('\nadded µs per request by owner (self time):');
for (const [owner, us] of [...owners].sort((a, b) => b[1] - a[1]))
  if (Math.abs(us) >= 0.05) console.log(`${us.toFixed(2).padStart(7)} µs  ${owner}`);
console.log('\nadded µs per request by frame (self time):');
const keys = new Set([...base.frames.keys(), ...other.frames.keys()]);
const deltas = [...keys]
  .map((key) => [key, (other.frames.get(key) ?? 0) - (base.frames.get(key) ?? 0)] as const)
  .sort((a, b) => b[1] - a[1]);
for (const [key, delta] of deltas.slice(0, Number(rowsArg ?? 40)))
  console.log(`${delta.toFixed(2).padStart(7)} µs  ${key}`);
