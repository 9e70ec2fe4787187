import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

describe('dynotel/register', () => {
  it.each([
    ['--import', 'registered-app.mjs'],
    ['--require', 'registered-app.cjs'],
  ])('%s dynotel/register initialises from the environment before the app runs', async (flag, file) => {
    const { stdout } = await run(
      process.execPath,
      ['--conditions=@dynotel/source', flag, 'dynotel/register', fixture(file)],
      {
        env: {
          PATH: process.env.PATH,
          DYN_NAMESPACE: 'registered',
          DYN_LOGGING_JSONL: '1',
          DYN_SHUTDOWN_DRAIN_DELAY: '0',
        },
        timeout: 20_000,
        // The package resolves itself by name (package self-reference) from its own directory.
        cwd: fileURLToPath(new URL('..', import.meta.url)),
      },
    );
    const result = stdout
      .split('\n')
      .filter((line) => line.startsWith('{"initialised"'))
      .map((line) => JSON.parse(line));
    expect(result).toEqual([{ initialised: true, namespace: 'registered' }]);
  });
});
