#!/usr/bin/env node
/**
 * The `dynotel` command (bin of the dynotel package). Today one subcommand:
 *
 *   dynotel doctor http://127.0.0.1:8081 --prometheus http://localhost:9090 --otlp http://localhost:4317
 *
 * Exit code 0 when every check passes, 1 when one fails, 2 on a usage error.
 */
import { parseCommand, USAGE } from './args.ts';
import { runDoctor } from './doctor.ts';
import { renderJson, renderText } from './report.ts';

async function main(argv: readonly string[]): Promise<number> {
  const command = parseCommand(argv);
  if (command.kind === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  if (command.kind === 'error') {
    process.stderr.write(`dynotel: ${command.message}\n\n${USAGE}`);
    return 2;
  }
  const report = await runDoctor(command.options);
  process.stdout.write(command.options.json ? renderJson(report) : renderText(report));
  return report.ok ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
    // Never hang on a handle a check left behind (a gRPC channel closing slowly): the report is written.
    setTimeout(() => process.exit(code), 1000).unref();
  },
  (error: unknown) => {
    process.stderr.write(
      `dynotel: unexpected failure: ${error instanceof Error ? error.stack : String(error)}\n`,
    );
    process.exitCode = 1;
  },
);
