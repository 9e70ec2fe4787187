import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

export interface OtlpSink {
  readonly endpoint: string;
  readonly pid: number;
  stop(): Promise<void>;
}

/** Starts bench/lib/otlp-sink-process.ts in a child process and waits for its endpoint. */
export async function startOtlpSink(): Promise<OtlpSink> {
  const script = fileURLToPath(new URL('./otlp-sink-process.ts', import.meta.url));
  const child: ChildProcess = spawn(process.execPath, [script], { stdio: ['pipe', 'pipe', 'inherit'] });
  const [chunk] = (await Promise.race([
    once(child.stdout!, 'data'),
    once(child, 'exit').then(() => {
      throw new Error('the OTLP sink exited before listening');
    }),
  ])) as [Buffer];
  return {
    endpoint: chunk.toString().trim(),
    pid: child.pid!,
    async stop() {
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}
