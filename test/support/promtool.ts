import { type RunResult, runBinary } from './run-binary.ts';

/** Runs `promtool check metrics` on exposition text; returns its exit code and everything it printed. */
export function promtoolCheckMetrics(binary: string, text: string): Promise<RunResult> {
  return runBinary(binary, ['check', 'metrics'], { stdin: text });
}
