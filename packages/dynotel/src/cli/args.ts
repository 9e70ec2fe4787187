/**
 * Command-line parsing for `dynotel doctor`. Bad input gives a message naming the argument, the value and
 * what is accepted; the caller prints it with the usage text and exits 2.
 */
import { parseArgs } from 'node:util';

export type ServiceRole = 'auto' | 'worker' | 'frontend' | 'http';
export type OtlpProtocolName = 'grpc' | 'http/protobuf';

export interface DoctorOptions {
  /** The service's base URL: /health, /live and /metrics are resolved against it. */
  readonly baseUrl: URL;
  readonly prometheusUrl?: URL | undefined;
  readonly otlpEndpoint?: URL | undefined;
  readonly otlpProtocol: OtlpProtocolName;
  readonly role: ServiceRole;
  /** Extra metric families that must be present. */
  readonly expectFamilies: readonly string[];
  readonly healthPath: string;
  readonly livePath: string;
  readonly metricsPath: string;
  /** Budget of every single network call. */
  readonly timeoutMs: number;
  readonly json: boolean;
}

export type ParsedCommand =
  | { readonly kind: 'doctor'; readonly options: DoctorOptions }
  | { readonly kind: 'help' }
  | { readonly kind: 'error'; readonly message: string };

export const USAGE = `Usage: dynotel doctor <service-url> [options]

Checks a running dynotel service and its telemetry path, and says what to fix.

  <service-url>               base URL of the service (a worker: its system server, DYN_SYSTEM_PORT)
  --prometheus <url>          also check that this Prometheus scrapes the service without errors
  --otlp <url>                also check that this OTLP endpoint accepts a test span
  --otlp-protocol <p>         grpc (default) or http/protobuf
  --role <role>               auto (default), worker, frontend or http: which metric families must exist
  --expect <family>           a metric family that must be present (repeatable)
  --health-path <path>        default /health (DYN_SYSTEM_HEALTH_PATH)
  --live-path <path>          default /live (DYN_SYSTEM_LIVE_PATH)
  --metrics-path <path>       default /metrics
  --timeout <ms>              budget of each network call, default 3000
  --json                      print the report as JSON
  -h, --help                  show this text

Exit code: 0 when every check passes, 1 when one fails, 2 on a usage error.
`;

const ROLES: readonly ServiceRole[] = ['auto', 'worker', 'frontend', 'http'];
const PROTOCOLS: readonly OtlpProtocolName[] = ['grpc', 'http/protobuf'];

export function parseCommand(argv: readonly string[]): ParsedCommand {
  let parsed: ReturnType<typeof parseWithNode>;
  try {
    parsed = parseWithNode(argv);
  } catch (error) {
    return { kind: 'error', message: error instanceof Error ? error.message : String(error) };
  }
  const { values, positionals } = parsed;
  if (values.help === true) return { kind: 'help' };
  const [command, target, ...extra] = positionals;
  if (command === undefined) return { kind: 'help' };
  if (command !== 'doctor')
    return { kind: 'error', message: `unknown command '${command}': accepted: doctor` };
  if (target === undefined)
    return { kind: 'error', message: 'doctor needs the service URL, e.g. http://127.0.0.1:8081' };
  if (extra.length > 0) return { kind: 'error', message: `unexpected argument '${extra[0]}'` };

  const errors: string[] = [];
  const baseUrl = httpUrl('<service-url>', target, errors);
  const prometheusUrl =
    values.prometheus === undefined ? undefined : httpUrl('--prometheus', values.prometheus, errors);
  const otlpEndpoint = values.otlp === undefined ? undefined : httpUrl('--otlp', values.otlp, errors);
  const role = oneOf('--role', values.role ?? 'auto', ROLES, errors);
  const otlpProtocol = oneOf('--otlp-protocol', values['otlp-protocol'] ?? 'grpc', PROTOCOLS, errors);
  const timeoutMs = Number(values.timeout ?? '3000');
  if (!Number.isInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > 120_000) {
    errors.push(
      `--timeout '${values.timeout}' is not accepted: an integer number of milliseconds, 1 to 120000`,
    );
  }
  const paths = {
    healthPath: path('--health-path', values['health-path'] ?? '/health', errors),
    livePath: path('--live-path', values['live-path'] ?? '/live', errors),
    metricsPath: path('--metrics-path', values['metrics-path'] ?? '/metrics', errors),
  };
  const expectFamilies = values.expect ?? [];
  for (const family of expectFamilies) {
    if (!/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(family))
      errors.push(`--expect '${family}' is not accepted: a Prometheus metric name`);
  }
  if (errors.length > 0 || baseUrl === undefined || role === undefined || otlpProtocol === undefined) {
    return { kind: 'error', message: errors.join('\n') };
  }
  return {
    kind: 'doctor',
    options: {
      baseUrl,
      prometheusUrl,
      otlpEndpoint,
      otlpProtocol,
      role,
      expectFamilies,
      ...paths,
      timeoutMs,
      json: values.json === true,
    },
  };
}

function parseWithNode(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      prometheus: { type: 'string' },
      otlp: { type: 'string' },
      'otlp-protocol': { type: 'string' },
      role: { type: 'string' },
      expect: { type: 'string', multiple: true },
      'health-path': { type: 'string' },
      'live-path': { type: 'string' },
      'metrics-path': { type: 'string' },
      timeout: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}

function httpUrl(name: string, value: string, errors: string[]): URL | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    errors.push(`${name} '${value}' is not accepted: an http:// or https:// URL`);
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    errors.push(`${name} '${value}' is not accepted: an http:// or https:// URL`);
    return undefined;
  }
  return url;
}

function oneOf<T extends string>(
  name: string,
  value: string,
  accepted: readonly T[],
  errors: string[],
): T | undefined {
  if ((accepted as readonly string[]).includes(value)) return value as T;
  errors.push(`${name} '${value}' is not accepted: one of ${accepted.join(', ')}`);
  return undefined;
}

function path(name: string, value: string, errors: string[]): string {
  if (!value.startsWith('/')) errors.push(`${name} '${value}' is not accepted: a path starting with /`);
  return value;
}
