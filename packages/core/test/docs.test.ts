import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import {
  ERRORS_DOC,
  errorCatalogueFiles,
  loadErrorCatalogues,
  ROOT,
  renderDocs,
  renderErrorsDoc,
} from '../../../scripts/generate-docs.ts';
import { coreErrors, ENV_TABLE } from '../src/index.ts';
import { renderConfigurationDoc } from '../src/internal.ts';

const run = promisify(execFile);

describe('generated docs', () => {
  it('docs/configuration.md and docs/errors.md equal what the generator produces now (run `pnpm docs:generate`)', async () => {
    for (const [file, expected] of await renderDocs()) {
      expect(readFileSync(file, 'utf8'), `${file} is stale: run pnpm docs:generate`).toBe(expected);
    }
  });

  it('configuration.md has one row per variable, with source and config keys', () => {
    const doc = renderConfigurationDoc(ENV_TABLE);
    for (const row of ENV_TABLE) {
      const line = doc.split('\n').find((candidate) => candidate.startsWith(`| \`${row.name}\``));
      expect(line, row.name).toBeDefined();
      expect(line).toContain(`| ${row.source} |`);
      for (const key of row.keys) expect(line).toContain(`\`${key}\``);
    }
    // Pipes inside cells are escaped so the table keeps its columns.
    expect(doc).toContain('1\\|true\\|on\\|yes');
  });

  it('errors.md lists every code of every discovered package catalogue', async () => {
    const files = errorCatalogueFiles();
    expect(
      files.every(
        (file) => file.startsWith(join(ROOT, 'packages')) && file.endsWith(join('src', 'errors.ts')),
      ),
    ).toBe(true);
    const catalogues = await loadErrorCatalogues();
    expect(catalogues[0]).toBe(coreErrors);
    expect(catalogues.length).toBe(files.length + 1);
    const doc = readFileSync(ERRORS_DOC, 'utf8');
    for (const catalogue of catalogues) {
      expect(doc).toContain(`## ${catalogue.packageName}`);
      for (const code of Object.keys(catalogue.errors)) expect(doc).toContain(`| \`${code}\` |`);
    }
  });

  it('renders a catalogue as a table, escaping pipes', () => {
    const doc = renderErrorsDoc([{ packageName: '@dynotel/x', errors: { ERR_DYNOTEL_X_Y: 'a | b' } }]);
    expect(doc).toContain(
      '## @dynotel/x\n\n| Code | Thrown when |\n|---|---|\n| `ERR_DYNOTEL_X_Y` | a \\| b |\n',
    );
  });

  it('`generate-docs.ts --check` passes on the committed docs (real child process)', async () => {
    const { stdout } = await run(process.execPath, [join(ROOT, 'scripts', 'generate-docs.ts'), '--check'], {
      cwd: ROOT,
    });
    expect(stdout).toContain('up to date');
  });

  it('`--check` fails with a clear message on stale docs, and a write run fixes them (temp root)', async () => {
    const root = mkdtempSync(join(tmpdir(), 'dynotel-docs-'));
    const script = join(ROOT, 'scripts', 'generate-docs.ts');
    try {
      mkdirSync(join(root, 'packages'));
      mkdirSync(join(root, 'docs'));
      writeFileSync(join(root, 'docs', 'configuration.md'), '# stale\n');
      let failure: { code?: number; stderr?: string } | undefined;
      try {
        await run(process.execPath, [script, '--check', `--root=${root}`]);
      } catch (error) {
        failure = error as { code?: number; stderr?: string };
      }
      expect(failure?.code).toBe(1);
      expect(failure?.stderr).toContain(
        'Generated docs are stale: docs/configuration.md, docs/errors.md differ',
      );
      expect(failure?.stderr).toContain('pnpm docs:generate');

      const { stdout } = await run(process.execPath, [script, `--root=${root}`]);
      expect(stdout).toContain('wrote docs/configuration.md');
      expect(readFileSync(join(root, 'docs', 'configuration.md'), 'utf8')).toBe(
        renderConfigurationDoc(ENV_TABLE),
      );
      expect(readFileSync(join(root, 'docs', 'errors.md'), 'utf8')).toBe(renderErrorsDoc([coreErrors]));
      await run(process.execPath, [script, '--check', `--root=${root}`]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
