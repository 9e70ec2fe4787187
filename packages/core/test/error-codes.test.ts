import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadErrorCatalogues, ROOT } from '../../../scripts/generate-docs.ts';
import { coreErrors, DynotelError, defineErrorCatalogue, isDynotelError, selfMetrics } from '../src/index.ts';

/**
 * A static scan of every package's sources: each code a package constructs is in that package's own
 * catalogue (so docs/errors.md lists it under the right package), each code it mentions is in its own
 * or core's catalogue, and every `throw new X(...)` throws a DynotelError (or a subclass) unless the
 * site is listed below with the reason it never reaches a caller.
 */

const PACKAGES_DIR = join(ROOT, 'packages');

/** `file:Class` pairs that throw something other than a DynotelError, and why that is fine. */
const NOT_BRANDED_ON_PURPOSE: Readonly<Record<string, string>> = {
  'core/src/config/read-config.ts:Error':
    'readUtf8File refuses a directory, FIFO or oversized file; the env reader catches it and reports a configuration problem',
  'metrics/src/foreign/line-scanner.ts:LineError':
    'the exposition parser catches it and throws ERR_DYNOTEL_METRICS_EXPOSITION_INVALID with the line number',
  'metrics/src/foreign/parser.ts:LineError':
    'the exposition parser catches it and throws ERR_DYNOTEL_METRICS_EXPOSITION_INVALID with the line number',
};

interface SourceFile {
  readonly path: string;
  readonly text: string;
}

function sourcesOf(packageDir: string): SourceFile[] {
  const files: SourceFile[] = [];
  const visit = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) visit(path);
      else if (entry.name.endsWith('.ts')) files.push({ path, text: readFileSync(path, 'utf8') });
    }
  };
  visit(join(packageDir, 'src'));
  return files;
}

function packageName(packageDir: string): string {
  return (JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as { name: string }).name;
}

const packageDirs = readdirSync(PACKAGES_DIR).map((name) => join(PACKAGES_DIR, name));
const catalogues = new Map((await loadErrorCatalogues()).map((c) => [c.packageName, Object.keys(c.errors)]));
const coreCodes = Object.keys(coreErrors.errors);

/** Names of classes in these sources declared as `class X extends DynotelError` (directly). */
function dynotelErrorSubclasses(files: readonly SourceFile[]): Set<string> {
  const names = new Set(['DynotelError']);
  for (const { text } of files) {
    for (const match of text.matchAll(/class (\w+) extends DynotelError\b/g)) names.add(match[1]!);
  }
  return names;
}

describe('error codes in the sources', () => {
  it('finds every package and its catalogue', () => {
    expect(packageDirs.map(packageName).sort()).toEqual([...catalogues.keys()].sort());
  });

  for (const packageDir of packageDirs) {
    const name = packageName(packageDir);
    const files = sourcesOf(packageDir);

    it(`${name}: every constructed code is in its catalogue, every mentioned code is catalogued`, () => {
      const own = catalogues.get(name) ?? [];
      const constructed: string[] = [];
      const mentioned: string[] = [];
      for (const { path, text } of files) {
        const where = relative(ROOT, path);
        for (const match of text.matchAll(/new DynotelError\(\s*([^,]+),/g)) {
          const argument = match[1]!.trim();
          const literal = /^'(ERR_DYNOTEL_[A-Z0-9_]+)'$/.exec(argument);
          if (literal) {
            constructed.push(literal[1]!);
            continue;
          }
          // A code held in a variable must be declared with the package's own code type.
          expect(argument, `${where}: new DynotelError(${argument}, ...)`).toMatch(/^\w+$/);
          const declared = new RegExp(`\\b${argument}: (\\w+)`).exec(text)?.[1];
          expect(declared, `${where}: the type of '${argument}'`).toMatch(/^[A-Z]\w*ErrorCode$/);
          const errorsFile = readFileSync(join(packageDir, 'src', 'errors.ts'), 'utf8');
          expect(errorsFile, `${where}: ${declared} is ${name}'s code type`).toContain(
            `export type ${declared} =`,
          );
        }
        for (const match of text.matchAll(/extends DynotelError<'(ERR_DYNOTEL_[A-Z0-9_]+)'>/g)) {
          constructed.push(match[1]!);
        }
        if (!path.endsWith('errors.ts') && !path.endsWith('core-errors.ts')) {
          for (const match of text.matchAll(/'(ERR_DYNOTEL_[A-Z0-9_]+)'/g)) mentioned.push(match[1]!);
        }
      }
      for (const code of constructed) expect(own, `${name} constructs ${code}`).toContain(code);
      for (const code of mentioned)
        expect([...own, ...coreCodes], `${name} mentions ${code}`).toContain(code);
    });

    it(`${name}: every thrown error is a DynotelError (or listed with the reason it never escapes)`, () => {
      const branded = dynotelErrorSubclasses(files);
      const offenders: string[] = [];
      for (const { path, text } of files) {
        const where = relative(PACKAGES_DIR, path);
        for (const match of text.matchAll(/throw (?:Object\.assign\()?new (\w+)\(/g)) {
          const thrown = match[1]!;
          if (branded.has(thrown)) continue;
          if (NOT_BRANDED_ON_PURPOSE[`${where}:${thrown}`] !== undefined) continue;
          offenders.push(`${where}: throw new ${thrown}(...)`);
        }
      }
      expect(offenders).toEqual([]);
    });
  }

  it('the allow-list names only sites that still exist', () => {
    for (const site of Object.keys(NOT_BRANDED_ON_PURPOSE)) {
      const [file, thrown] = site.split(':') as [string, string];
      expect(readFileSync(join(PACKAGES_DIR, file), 'utf8')).toContain(`new ${thrown}(`);
    }
  });
});

describe('DynotelError codes are typed', () => {
  it('isDynotelError with a catalogue narrows to that catalogue and rejects other codes', () => {
    const context = new DynotelError('ERR_DYNOTEL_CONTEXT_MISSING', 'no context');
    const other = new DynotelError('ERR_DYNOTEL_SOMETHING_ELSE', 'not core');
    expect(isDynotelError(context, coreErrors)).toBe(true);
    expect(isDynotelError(other, coreErrors)).toBe(false);
    expect(isDynotelError(other)).toBe(true);
    expect(isDynotelError({ code: 'ERR_DYNOTEL_CONTEXT_MISSING' }, coreErrors)).toBe(false);
    expect(isDynotelError(new Error('plain'))).toBe(false);

    const caught: unknown = context;
    if (isDynotelError(caught, coreErrors)) {
      // The narrowed code is the catalogue's union: an unknown literal here would not compile.
      const handled: 'config' | 'context' | 'internal' | 'self-metric' = ((code) => {
        switch (code) {
          case 'ERR_DYNOTEL_CONFIG_INVALID':
          case 'ERR_DYNOTEL_CONFIG_UNKNOWN_OPTION':
            return 'config';
          case 'ERR_DYNOTEL_CONTEXT_MISSING':
            return 'context';
          case 'ERR_DYNOTEL_INTERNAL':
            return 'internal';
          case 'ERR_DYNOTEL_SELF_METRIC_INVALID':
            return 'self-metric';
        }
      })(caught.code);
      expect(handled).toBe('context');
    }
  });

  it('codes outside the ERR_DYNOTEL_ form do not compile and are refused by defineErrorCatalogue', () => {
    // @ts-expect-error a code must have the form ERR_DYNOTEL_*
    const error = new DynotelError('E_WHATEVER', 'x');
    expect(error.code).toBe('E_WHATEVER');
    // @ts-expect-error the catalogue's codes must have the form ERR_DYNOTEL_* too
    const define = () => defineErrorCatalogue('@dynotel/x', { ERR_dynotel_lower: 'x' });
    expect(define).toThrow(expect.objectContaining({ code: 'ERR_DYNOTEL_INTERNAL' }));
  });

  it('a bad self-metric name is a DynotelError naming the metric', () => {
    let thrown: unknown;
    try {
      selfMetrics.counter('dynotel_not_a_counter', 'help');
    } catch (error) {
      thrown = error;
    }
    expect(isDynotelError(thrown, coreErrors)).toBe(true);
    expect(thrown).toMatchObject({
      code: 'ERR_DYNOTEL_SELF_METRIC_INVALID',
      details: { name: 'dynotel_not_a_counter' },
    });
  });
});
