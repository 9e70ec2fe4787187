import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface, type Interface } from 'node:readline';

/** The system Python that carries prometheus_client (Debian's python3-prometheus-client). */
export const PYTHON = '/usr/bin/python3';

const SCRIPT = `
import json, sys
from prometheus_client.parser import text_string_to_metric_families as text_parse
from prometheus_client.openmetrics.parser import text_string_to_metric_families as om_parse
for line in sys.stdin:
    request = json.loads(line)
    try:
        parse = om_parse if request["format"] == "openmetrics" else text_parse
        families = [f.name for f in parse(request["body"])]
        print(json.dumps({"ok": True, "families": families}), flush=True)
    except Exception as error:
        print(json.dumps({"ok": False, "error": type(error).__name__ + ": " + str(error)}), flush=True)
`;

/** Whether the system Python with prometheus_client is here (CI installs it; outside CI a test may skip). */
export function pythonParserAvailable(): boolean {
  const available = existsSync(PYTHON);
  if (!available && process.env.CI)
    throw new Error(`${PYTHON} is missing and CI is set: .ci/run must install it`);
  return available;
}

export type PythonVerdict = { ok: true; families: string[] } | { ok: false; error: string };

/**
 * One long-lived Python process running prometheus_client's parsers — `prometheus_client.parser` for
 * text 0.0.4, `prometheus_client.openmetrics.parser` for OpenMetrics — one JSON request per line.
 */
export class PythonParsers {
  readonly #child: ChildProcessWithoutNullStreams;
  readonly #lines: Interface;
  readonly #waiting: Array<(line: string) => void> = [];

  constructor() {
    this.#child = spawn(PYTHON, ['-c', SCRIPT], { stdio: 'pipe' });
    this.#lines = createInterface({ input: this.#child.stdout });
    this.#lines.on('line', (line) => this.#waiting.shift()?.(line));
  }

  parse(format: 'text' | 'openmetrics', body: string): Promise<PythonVerdict> {
    return new Promise((resolve) => {
      this.#waiting.push((line) => resolve(JSON.parse(line) as PythonVerdict));
      this.#child.stdin.write(`${JSON.stringify({ format, body })}\n`);
    });
  }

  close(): void {
    this.#lines.close();
    this.#child.stdin.end();
    this.#child.kill();
  }
}
