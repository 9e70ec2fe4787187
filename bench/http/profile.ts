/**
 * Profiles one benchmark server under load: `pnpm exec node --conditions=@dynotel/source
 * bench/http/profile.ts fastify-dynotel [seconds] [req/s]` writes a V8 CPU profile into bench/profiles/
 * and prints the top self-time frames. The name is a server of bench/http/servers/ (the bench's setup)
 * or an app id of the HTTP matrix (`express-full`, `fastify-floor-5`: the users' setup, built packages,
 * `pnpm build` first). Without a rate the load is as fast as the server answers; with
 * one (e.g. 3000) every server gets the same offered load, so no per-request cost depends on how close
 * each server runs to saturation.
 */
import { existsSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { setTimeout } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { type AppSpec, startApp } from '../lib/app-process.ts';
import { startOtlpSink } from '../lib/otlp-sink.ts';
import { pinSelf, startServer } from '../lib/server-process.ts';
import { matrixApps } from './apps/variants.ts';
import { drive } from './load.ts';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

const name = process.argv[2] ?? 'fastify-dynotel';
const seconds = Number(process.argv[3] ?? 10);
const rate = process.argv[4] === undefined ? undefined : Number(process.argv[4]);
const dir = fileURLToPath(
  new URL(`../profiles/${name}${rate === undefined ? '' : `-at-${rate}`}-${Date.now()}/`, import.meta.url),
);
pinSelf('1');
const sink = await startOtlpSink();
const profileArgs = ['--cpu-prof', `--cpu-prof-dir=${dir}`];
const app = [...matrixApps('fastify', sink.endpoint), ...matrixApps('express', sink.endpoint)].find(
  (spec) => spec.id === name,
);
const server =
  app === undefined
    ? await startServer(name, { env: { BENCH_OTLP_ENDPOINT: sink.endpoint }, nodeArgs: profileArgs })
    : await startProfiledApp(app);
const offered = rate === undefined ? {} : { rate };
const warmUp = await drive(`${server.url}/items/42`, { seconds: 2, ...offered });
const load = await drive(`${server.url}/items/42`, { seconds, ...offered });
console.log(`${name}: ${Math.round(load.requests / load.seconds)} req/s`);
await server.stop();
await sink.stop();

// For bench/http/profile-diff.ts: the profile covers start-up, warm-up and load.
await writeFile(
  `${dir}requests.json`,
  JSON.stringify({
    server: name,
    requests: warmUp.requests + load.requests,
    loadSeconds: warmUp.seconds + load.seconds,
  }),
);

const [file] = (await readdir(dir)).filter((f) => f.endsWith('.cpuprofile'));
const profile = JSON.parse(await readFile(`${dir}${file}`, 'utf8')) as { nodes: ProfileNode[] };
const total = profile.nodes.reduce((sum, n) => sum + (n.hitCount ?? 0), 0);
const byFrame = new Map<string, number>();
const byArea = new Map<string, number>();
for (const node of profile.nodes) {
  const { functionName, url, lineNumber } = node.callFrame;
  const short = url
    .replace(/^.*node_modules\/\.pnpm\/[^/]+\/node_modules\//, '')
    .replace(/^file:\/\/\/work\/main\//, '');
  const key = `${functionName || '(anonymous)'} ${short}:${lineNumber + 1}`;
  byFrame.set(key, (byFrame.get(key) ?? 0) + (node.hitCount ?? 0));
  const area = short.startsWith('packages/')
    ? short.split('/').slice(0, 2).join('/')
    : short === ''
      ? functionName.startsWith('(')
        ? functionName
        : '(native)'
      : short.startsWith('node:')
        ? 'node core'
        : short.split('/')[0]!.startsWith('@')
          ? short.split('/').slice(0, 2).join('/')
          : short.split('/')[0]!;
  byArea.set(area, (byArea.get(area) ?? 0) + (node.hitCount ?? 0));
}
const top = (map: Map<string, number>, n: number) =>
  [...map.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([k, v]) => `${((100 * v) / total).toFixed(1).padStart(5)}%  ${k}`)
    .join('\n');
console.log(
  `profile: ${dir}${file}\n\nself time by area:\n${top(byArea, 20)}\n\ntop frames:\n${top(byFrame, 40)}`,
);

/** A matrix app with the profiler on, stopped by SIGUSR2 (apps/exit-on-sigusr2.cjs) so its profile is written. */
async function startProfiledApp(spec: AppSpec): Promise<{ url: string; stop(): Promise<void> }> {
  const preload = ['--require', './http/apps/exit-on-sigusr2.cjs'];
  const started = await startApp({
    ...spec,
    nodeArgs: [...profileArgs, ...preload, ...(spec.nodeArgs ?? [])],
  });
  return {
    url: started.url,
    async stop() {
      process.kill(started.pid, 'SIGUSR2');
      // Writing the profile takes a moment; a SIGTERM meanwhile would end a bare app without it.
      for (let waited = 0; existsSync(`/proc/${started.pid}`) && waited < 10_000; waited += 50)
        await setTimeout(50);
      await started.stop();
    },
  };
}
