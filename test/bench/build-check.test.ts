/**
 * The bench runner's build check (bench/lib/built.ts): the user-setup suites measure the BUILT packages,
 * so the runner refuses a missing or stale build before measuring and stops when the build changes
 * between suites. On a packages/ tree of its own, so it holds whether or not the repository is built.
 */
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { assertBuilt, buildFingerprint } from '../../bench/lib/built.ts';

let packages: string;
const source = () => join(packages, 'core', 'src', 'index.ts');
const entry = () => join(packages, 'core', 'dist', 'index.cjs');
const at = (seconds: number) => new Date(1_800_000_000_000 + seconds * 1000);

beforeEach(() => {
  packages = mkdtempSync(join(tmpdir(), 'dynotel-built-'));
  mkdirSync(join(packages, 'core', 'src'), { recursive: true });
  writeFileSync(source(), 'export {};\n');
  utimesSync(source(), at(0), at(0));
  // A directory without src/ (say, a docs folder) is not a package to build.
  mkdirSync(join(packages, 'notes'));
});
afterEach(() => rmSync(packages, { recursive: true, force: true }));

function build(seconds: number): void {
  mkdirSync(join(packages, 'core', 'dist'), { recursive: true });
  writeFileSync(entry(), 'module.exports = {};\n');
  utimesSync(entry(), at(seconds), at(seconds));
}

test('a package without dist/ is refused, naming it', () => {
  expect(() => assertBuilt(packages)).toThrow('packages/core is not built (no dist/index.cjs)');
});

test('a source newer than its build is refused', () => {
  build(10);
  utimesSync(source(), at(20), at(20));
  expect(() => assertBuilt(packages)).toThrow('packages/core/src is newer than its dist/');
});

test('a fresh build passes; editing a source keeps its fingerprint, rebuilding changes it', () => {
  build(10);
  const fingerprint = assertBuilt(packages);
  expect(fingerprint).toBe(`core:${at(10).getTime()}`);
  utimesSync(source(), at(30), at(30));
  expect(buildFingerprint(packages)).toBe(fingerprint);
  build(40);
  expect(buildFingerprint(packages)).not.toBe(fingerprint);
});
