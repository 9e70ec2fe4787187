/**
 * The bench runner's build check (bench/lib/built.ts): the user-setup suites measure the BUILT packages,
 * so the runner refuses a stale build before measuring and stops when the build changes between suites.
 */
import { statSync, utimesSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';
import { assertBuilt, buildFingerprint } from '../../bench/lib/built.ts';

const entry = fileURLToPath(new URL('../../packages/core/dist/index.cjs', import.meta.url));

test('a build passes the check and keeps its fingerprint while nothing is rebuilt', () => {
  const fingerprint = assertBuilt();
  expect(fingerprint).toContain('core:');
  expect(buildFingerprint()).toBe(fingerprint);
});

test('a rebuilt package changes the fingerprint', () => {
  const before = buildFingerprint();
  const { atime, mtime } = statSync(entry);
  try {
    utimesSync(entry, atime, new Date(mtime.getTime() + 60_000));
    expect(buildFingerprint()).not.toBe(before);
  } finally {
    utimesSync(entry, atime, mtime);
  }
});
