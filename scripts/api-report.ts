/**
 * API reports: one `packages/<pkg>/api/<report>.api.md` per published entry point, written by
 * API Extractor from the built declarations (`dist/*.d.mts`, after `pnpm build`, which strips
 * `@internal` members). A change to the public surface shows up as a diff of these files in review.
 *
 *   node scripts/api-report.ts            check: exit 1 when a report differs from the built API
 *   node scripts/api-report.ts --update   rewrite the reports (pnpm api:update builds first)
 *
 * Entry points are read from each package's `exports` map, so a new subpath needs no edit here. The
 * report of `.` is `<pkg>.api.md`, of `./express` `<pkg>-express.api.md` (scope dropped). API Extractor
 * runs its own bundled TypeScript over the .d.mts files, so it does not depend on the repo's tsgo.
 *
 * Both modes then compile a consumer importing every entry point, ESM and CJS, against the built
 * declarations with `skipLibCheck: false`: stripping `@internal` members must leave declarations a
 * stranger's strict build accepts (a class must still satisfy the interfaces it implements).
 */
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Extractor, ExtractorConfig, ExtractorLogLevel } from '@microsoft/api-extractor';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

interface ExportTarget {
  readonly import?: { readonly types?: string };
}

interface EntryPoint {
  /** What a consumer imports: `dynotel/express`, `@dynotel/core`. */
  readonly specifier: string;
  readonly packageDir: string;
  readonly reportName: string;
  readonly declarations: string;
}

function entryPoints(): EntryPoint[] {
  const entries: EntryPoint[] = [];
  for (const name of readdirSync(join(ROOT, 'packages')).sort()) {
    const packageDir = join(ROOT, 'packages', name);
    const manifestPath = join(packageDir, 'package.json');
    if (!existsSync(manifestPath)) continue;
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as {
      name: string;
      private?: boolean;
      exports?: Record<string, ExportTarget | string>;
    };
    if (manifest.private === true) continue;
    const base = manifest.name.replace(/^@[^/]+\//, '');
    for (const [subpath, target] of Object.entries(manifest.exports ?? {})) {
      const types = typeof target === 'object' ? target.import?.types : undefined;
      if (types === undefined) continue;
      const suffix = subpath === '.' ? '' : `-${subpath.replace(/^\.\//, '').replace(/\//g, '-')}`;
      const specifier = subpath === '.' ? manifest.name : `${manifest.name}/${subpath.replace(/^\.\//, '')}`;
      entries.push({
        specifier,
        packageDir,
        reportName: `${base}${suffix}`,
        declarations: join(packageDir, types),
      });
    }
  }
  return entries;
}

function runExtractor(entry: EntryPoint, update: boolean, tempFolder: string): string | undefined {
  if (!existsSync(entry.declarations)) return `${entry.declarations} is missing: run pnpm build first`;
  if (update) mkdirSync(join(entry.packageDir, 'api'), { recursive: true });
  let errors = 0;
  const config = ExtractorConfig.prepare({
    configObject: {
      projectFolder: entry.packageDir,
      mainEntryPointFilePath: entry.declarations,
      compiler: {
        overrideTsconfig: {
          compilerOptions: {
            target: 'es2023',
            lib: ['es2023'],
            module: 'nodenext',
            moduleResolution: 'nodenext',
            types: ['node'],
            strict: true,
            skipLibCheck: true,
          },
          files: [entry.declarations],
        },
      },
      apiReport: {
        enabled: true,
        reportFileName: entry.reportName,
        reportFolder: join(entry.packageDir, 'api'),
        reportTempFolder: tempFolder,
      },
      docModel: { enabled: false },
      dtsRollup: { enabled: false },
      tsdocMetadata: { enabled: false },
      messages: {
        // The report is the product here: release tags and TSDoc style are not policed by it.
        extractorMessageReporting: {
          default: { logLevel: ExtractorLogLevel.None },
          // A type the public API uses but the entry point does not export: a consumer cannot name it.
          // A failure (below), and listed in the report so the reviewer sees which.
          'ae-forgotten-export': { logLevel: ExtractorLogLevel.None, addToApiReportFile: true },
        },
        tsdocMessageReporting: { default: { logLevel: ExtractorLogLevel.None } },
        compilerMessageReporting: { default: { logLevel: ExtractorLogLevel.Warning } },
      },
    },
    configObjectFullPath: undefined,
    packageJsonFullPath: join(entry.packageDir, 'package.json'),
  });
  const result = Extractor.invoke(config, {
    localBuild: update,
    messageCallback: (message) => {
      if (message.logLevel === ExtractorLogLevel.Error) errors++;
      // Only failures are worth a line; API Extractor's own progress chatter is not.
      if (message.logLevel !== ExtractorLogLevel.Error && message.logLevel !== ExtractorLogLevel.Warning) {
        message.logLevel = ExtractorLogLevel.None;
      }
    },
  });
  if (errors > 0 || (!result.succeeded && !result.apiReportChanged))
    return `${entry.reportName}: API Extractor failed`;
  // The report just written (the temporary one when checking) lists every forgotten export.
  const written = readFileSync(
    join(update ? join(entry.packageDir, 'api') : tempFolder, `${entry.reportName}.api.md`),
    'utf8',
  );
  const forgotten = [...written.matchAll(/\(ae-forgotten-export\) The symbol "([^"]+)"/g)].map((m) => m[1]);
  if (forgotten.length > 0) {
    return `${entry.reportName}: the entry point uses types it does not export (export them by name): ${[...new Set(forgotten)].join(', ')}`;
  }
  if (result.apiReportChanged && !update) {
    return `${entry.reportName}: the public API changed; run \`pnpm api:update\` and commit packages/*/api/`;
  }
  return undefined;
}

/** Type-checks a consumer of every entry point (ESM and CJS) against dist with skipLibCheck off. */
function checkConsumer(entries: readonly EntryPoint[]): string[] {
  // Inside packages/dynotel: every workspace package resolves from there (dynotel by self-reference).
  const dir = join(ROOT, 'packages', 'dynotel', '.api-consumer');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  try {
    const lines = entries.map((entry, index) => `export * as entry${index} from '${entry.specifier}';`);
    writeFileSync(join(dir, 'esm.mts'), `${lines.join('\n')}\n`);
    writeFileSync(join(dir, 'cjs.cts'), `${lines.join('\n')}\n`);
    const tsconfig = {
      compilerOptions: {
        target: 'es2023',
        module: 'nodenext',
        moduleResolution: 'nodenext',
        strict: true,
        exactOptionalPropertyTypes: true,
        skipLibCheck: false,
        noEmit: true,
        types: ['node'],
      },
      files: ['esm.mts', 'cjs.cts'],
    };
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify(tsconfig));
    const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    const result = spawnSync(process.execPath, [tsc, '-p', dir, '--pretty', 'false'], { encoding: 'utf8' });
    if (result.status === 0) return [];
    return [
      `declarations do not compile for a consumer (skipLibCheck: false):\n${result.stdout}${result.stderr}`,
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function main(): number {
  const update = process.argv.includes('--update');
  const tempFolder = mkdtempSync(join(tmpdir(), 'dynotel-api-'));
  const problems: string[] = [];
  const entries = entryPoints();
  try {
    for (const entry of entries) {
      const problem = runExtractor(entry, update, tempFolder);
      if (problem !== undefined) problems.push(problem);
      else console.log(`${update ? 'wrote' : 'ok'} ${entry.reportName}.api.md`);
    }
  } finally {
    rmSync(tempFolder, { recursive: true, force: true });
  }
  problems.push(...checkConsumer(entries));
  for (const problem of problems) console.error(problem);
  return problems.length === 0 ? 0 : 1;
}

process.exitCode = main();
