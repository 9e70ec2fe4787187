/**
 * Checks the packages as a stranger receives them: the built packages are packed (`pnpm pack`, which
 * turns `workspace:*` into real versions), the tarballs are installed with plain `npm` into a fresh
 * directory outside the workspace, and then
 *
 *   1. every `@opentelemetry/*` (and `@dynotel/*`) package has exactly ONE installed copy in that
 *      install (two copies of the SDK mean megabytes of duplicates and, worse, two sets of
 *      globals/classes that do not recognise each other's objects);
 *   2. `publint --strict` reports nothing for each packed package;
 *   3. `@arethetypeswrong/cli` finds no problem in each tarball, under every resolution mode it checks
 *      (node10, node16 CJS/ESM, bundler), so `moduleResolution: node10` consumers resolve the subpaths
 *      too (via `typesVersions`).
 *
 *   node scripts/check-packages.ts            run after `pnpm build`; exit 1 on any problem
 *   node scripts/check-packages.ts --keep     keep the temp directory (prints its path) for inspection
 *
 * Self-contained on purpose: it needs only the built `dist/` folders, pnpm, npm and the registry.
 */
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const PACKAGES_DIR = join(ROOT, 'packages');
const BIN = join(ROOT, 'node_modules', '.bin');

interface InstalledCopy {
  readonly name: string;
  readonly version: string;
  readonly path: string;
}

function run(command: string, args: readonly string[], cwd: string): string {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0) {
    const output = `${result.stdout ?? ''}${result.stderr ?? ''}`.trim();
    throw new Error(`${command} ${args.join(' ')} (in ${cwd}) exited ${result.status}:\n${output}`);
  }
  return result.stdout;
}

/** Runs a checker; returns its output when it failed, undefined when it passed. */
function check(command: string, args: readonly string[], cwd: string): string | undefined {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.status === 0) return undefined;
  return `${result.stdout ?? ''}${result.stderr ?? ''}`.trim() || `exited ${result.status}`;
}

function workspacePackages(): string[] {
  return readdirSync(PACKAGES_DIR)
    .map((name) => join(PACKAGES_DIR, name))
    .filter((dir) => existsSync(join(dir, 'package.json')))
    .filter(
      (dir) =>
        !(JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { private?: boolean }).private,
    );
}

/** Every installed package under `node_modules` (nested ones included), as name, version and path. */
function installedPackages(nodeModules: string): InstalledCopy[] {
  const found: InstalledCopy[] = [];
  const visit = (dir: string): void => {
    if (!existsSync(dir)) return;
    for (const entry of readdirSync(dir)) {
      if (entry.startsWith('.')) continue;
      const scoped = entry.startsWith('@');
      const candidates = scoped ? readdirSync(join(dir, entry)).map((name) => join(entry, name)) : [entry];
      for (const candidate of candidates) {
        const packageDir = join(dir, candidate);
        const manifest = join(packageDir, 'package.json');
        if (!existsSync(manifest)) continue;
        const { name, version } = JSON.parse(readFileSync(manifest, 'utf8')) as {
          name: string;
          version: string;
        };
        found.push({ name, version, path: packageDir });
        visit(join(packageDir, 'node_modules'));
      }
    }
  };
  visit(nodeModules);
  return found;
}

/** Names with more than one installed copy, each with its copies. */
function duplicates(
  copies: readonly InstalledCopy[],
  prefixes: readonly string[],
): Map<string, InstalledCopy[]> {
  const byName = new Map<string, InstalledCopy[]>();
  for (const copy of copies) {
    if (!prefixes.some((prefix) => copy.name.startsWith(prefix))) continue;
    byName.set(copy.name, [...(byName.get(copy.name) ?? []), copy]);
  }
  return new Map([...byName].filter(([, list]) => list.length > 1));
}

function sizeOf(path: string): number {
  const stats = statSync(path, { throwIfNoEntry: false });
  if (!stats) return 0;
  if (!stats.isDirectory()) return stats.size;
  return readdirSync(path).reduce((total, entry) => total + sizeOf(join(path, entry)), 0);
}

const megabytes = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

function main(): number {
  const keep = process.argv.includes('--keep');
  const packageDirs = workspacePackages();
  for (const dir of packageDirs) {
    if (!existsSync(join(dir, 'dist')))
      throw new Error(`${relative(ROOT, dir)}/dist is missing: run pnpm build`);
  }

  const work = mkdtempSync(join(tmpdir(), 'dynotel-packages-'));
  const tarballDir = join(work, 'tarballs');
  const consumer = join(work, 'consumer');
  const problems: string[] = [];
  try {
    const tarballs = packageDirs.map((dir) => {
      const packed = run('pnpm', ['pack', '--json', '--pack-destination', tarballDir], dir);
      return (JSON.parse(packed) as { filename: string }).filename;
    });
    console.log(`packed ${tarballs.length} packages into ${tarballDir}`);

    mkdirSync(consumer);
    writeFileSync(
      join(consumer, 'package.json'),
      `${JSON.stringify({ name: 'dynotel-consumer', private: true, type: 'module' }, null, 2)}\n`,
    );
    run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', ...tarballs], consumer);

    const nodeModules = join(consumer, 'node_modules');
    const copies = installedPackages(nodeModules);
    const otel = copies.filter((copy) => copy.name.startsWith('@opentelemetry/'));
    const otelBytes = otel.reduce((total, copy) => total + sizeOf(copy.path), 0);
    console.log(
      `consumer install: ${copies.length} packages, ${megabytes(sizeOf(nodeModules))} node_modules; ` +
        `${otel.length} @opentelemetry copies (${megabytes(otelBytes)})`,
    );
    for (const [name, list] of duplicates(copies, ['@opentelemetry/', '@dynotel/'])) {
      const where = list.map((copy) => `${copy.version} at ${relative(consumer, copy.path)}`).join(', ');
      problems.push(`${name} is installed ${list.length} times: ${where}`);
    }

    for (const dir of packageDirs) {
      const name = (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name: string }).name;
      const installed = join(nodeModules, name);
      const publint = check(join(BIN, 'publint'), ['--strict', '--pack', 'false', installed], consumer);
      if (publint) problems.push(`publint --strict ${name}:\n${publint}`);
    }
    for (const tarball of tarballs) {
      const attw = check(join(BIN, 'attw'), ['--no-color', '--format', 'table-flipped', tarball], consumer);
      if (attw) problems.push(`attw ${relative(tarballDir, tarball)}:\n${attw}`);
    }
  } finally {
    if (keep) console.log(`kept ${work}`);
    else rmSync(work, { recursive: true, force: true });
  }

  if (problems.length === 0) {
    console.log(
      'packages: one copy of each @opentelemetry and @dynotel package; publint --strict and attw clean',
    );
    return 0;
  }
  for (const problem of problems) console.error(`\n✗ ${problem}`);
  return 1;
}

process.exitCode = main();
