import { spawn } from 'node:child_process';

export interface RunResult {
  readonly code: number;
  /** stdout and stderr together, trimmed. */
  readonly output: string;
}

/** Runs a binary to completion (bounded by a timeout), optionally feeding stdin; never throws on a non-zero exit. */
export function runBinary(
  binary: string,
  args: readonly string[],
  options: { readonly stdin?: string; readonly timeoutMs?: number } = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, {
      stdio: [options.stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      timeout: options.timeoutMs ?? 30_000,
    });
    let output = '';
    const collect = (chunk: Buffer) => {
      output += chunk.toString();
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    child.once('error', reject);
    child.once('close', (code) => resolve({ code: code ?? -1, output: output.trim() }));
    if (options.stdin !== undefined) child.stdin?.end(options.stdin);
  });
}
