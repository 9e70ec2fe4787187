/**
 * Once per run: `pnpm build`, `pnpm pack` of every package under packages/, and a fresh app directory in
 * the system's temp dir (outside the workspace, so nothing resolves from the monorepo) where plain npm
 * installs the tarballs with Express 5 and Fastify 5. npm's cache lives in the same temp dir; all of it
 * is removed at the end. `ADOPTER_NODE22=1` also fetches Node 22 (npx, same temp cache) to run the apps on.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
// Kept equal to NODE22 in .ci/run.
export const NODE22 = '22.23.3';

declare module 'vitest' {
  export interface ProvidedContext {
    adopterDir: string;
    adopterNodes: Array<{ name: string; path: string }>;
  }
}

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): string {
  return execFileSync(command, args, { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

export default function setup(project: TestProject): () => void {
  const work = mkdtempSync(join(tmpdir(), 'dynotel-adopter-'));
  const cleanup = () => rmSync(work, { recursive: true, force: true });
  try {
    const npmEnv = {
      ...process.env,
      npm_config_cache: join(work, 'npm-cache'),
      npm_config_update_notifier: 'false',
    };
    if (process.env.ADOPTER_SKIP_BUILD !== '1') run('pnpm', ['build'], ROOT);
    const tarballs = join(work, 'tarballs');
    for (const pkg of readdirSync(join(ROOT, 'packages'))) {
      run('pnpm', ['pack', '--pack-destination', tarballs], join(ROOT, 'packages', pkg));
    }
    const app = join(work, 'app');
    execFileSync('mkdir', ['-p', app]);
    writeFileSync(
      join(app, 'package.json'),
      `${JSON.stringify({ name: 'adopter-app', private: true, type: 'module' }, null, 2)}\n`,
    );
    const files = readdirSync(tarballs).map((file) => join(tarballs, file));
    run('npm', ['install', '--no-audit', '--no-fund', ...files, 'express@5', 'fastify@5'], app, npmEnv);
    const nodes = [{ name: `node ${process.version}`, path: process.execPath }];
    if (process.env.ADOPTER_NODE22 === '1') {
      const path = run(
        'npx',
        ['-y', '-p', `node@${NODE22}`, '-c', 'node -p process.execPath'],
        work,
        npmEnv,
      ).trim();
      nodes.push({ name: `node v${NODE22}`, path });
    }
    project.provide('adopterDir', app);
    project.provide('adopterNodes', nodes);
  } catch (error) {
    cleanup();
    const detail = error as { stderr?: string; stdout?: string };
    throw new Error(`adopter setup failed: ${String(error)}\n${detail.stdout ?? ''}\n${detail.stderr ?? ''}`);
  }
  return cleanup;
}
