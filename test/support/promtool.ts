import { spawn } from 'node:child_process';

/** Runs `promtool check metrics` on exposition text; returns its exit code and everything it printed. */
export async function promtoolCheckMetrics(
  binary: string,
  text: string,
): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, ['check', 'metrics'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once('error', reject);
    child.once('close', (code) => resolve({ code: code ?? -1, output: output.trim() }));
    child.stdin.end(text);
  });
}
