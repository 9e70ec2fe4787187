import { loggingTomlFile } from '../logging-toml.ts';
import { logFilter, truthyBoolean } from '../parsers.ts';
import { envVar } from './row.ts';

const TRUTHY_ACCEPTED = '1|true|on|yes or 0|false|off|no (case-insensitive)';

export const LOGGING_VARIABLES = {
  DYN_LOG: envVar({
    name: 'DYN_LOG',
    group: 'logging',
    type: 'log-filter',
    default: 'info',
    accepted:
      'comma-separated directives: level, target=level, target:level or a bare target (= trace), with levels trace, debug, info, warn, error, off (case-insensitive)',
    description:
      'Log filter, e.g. `info,my_service::db=debug`. Unlike Dynamo, `target=debug` alone keeps `info` for everything else, and the documented `target:level` form works too. A directive that does not parse is reported and left out, the others stay: an unknown level word (`foo=wat`, `db:verbose`), a span selector, and a bare word that reads as a mistyped or foreign level (`verbose`, `warning`, `wrn`, `wat`), which Dynamo would silently take for a target name; a word with a separator (`my_app`, `app::db`) is always a target, and `verbose=debug` names one explicitly.',
    source: 'dynamo',
    keys: ['logging.filter'],
    parse: logFilter,
    fallback: undefined,
  }),
  DYN_LOGGING_CONFIG_PATH: envVar({
    name: 'DYN_LOGGING_CONFIG_PATH',
    group: 'logging',
    type: 'toml-file',
    default: 'unset',
    accepted:
      'a readable TOML file with log_level = "<level>" and a [log_filters] table of "target" = "<level>"',
    description:
      "Logging file: `log_level` is used when DYN_LOG is unset; `[log_filters]` add per-target levels, and DYN_LOG wins for the same target. Dynamo's /opt/dynamo/etc/logging.toml is not read.",
    source: 'dynamo',
    keys: ['logging.configPath', 'logging.filter', 'logging.targetFilters'],
    parse: loggingTomlFile,
    fallback: undefined,
  }),
  DYN_LOGGING_JSONL: envVar({
    name: 'DYN_LOGGING_JSONL',
    group: 'logging',
    type: 'bool-truthy',
    default: 'false',
    accepted: TRUTHY_ACCEPTED,
    description:
      "JSONL log lines in Dynamo's layout instead of readable text. Unlike Dynamo it does not gate tracing: OTEL_EXPORT_ENABLED alone turns export on.",
    source: 'dynamo',
    keys: ['logging.jsonl'],
    parse: truthyBoolean,
    fallback: false,
  }),
  DYN_LOG_USE_LOCAL_TZ: envVar({
    name: 'DYN_LOG_USE_LOCAL_TZ',
    group: 'logging',
    type: 'bool-truthy',
    default: 'false',
    accepted: TRUTHY_ACCEPTED,
    description: 'Local-time timestamps with an offset instead of UTC with `Z`.',
    source: 'dynamo',
    keys: ['logging.localTimezone'],
    parse: truthyBoolean,
    fallback: false,
  }),
  DYN_LOGGING_SPAN_EVENTS: envVar({
    name: 'DYN_LOGGING_SPAN_EVENTS',
    group: 'logging',
    type: 'bool-truthy',
    default: 'false',
    accepted: TRUTHY_ACCEPTED,
    description:
      'Adds a SPAN_FIRST_ENTRY line when a span starts and a SPAN_CLOSED line when it ends, with span_name, span_id, trace_id and integer time.busy_us, time.idle_us, time.duration_us (JSONL mode only, as Dynamo). busy is the whole duration and idle 0: JavaScript has no span enter/exit.',
    source: 'dynamo',
    keys: ['logging.spanEvents'],
    parse: truthyBoolean,
    fallback: false,
  }),
  DYN_SDK_DISABLE_ANSI_LOGGING: envVar({
    name: 'DYN_SDK_DISABLE_ANSI_LOGGING',
    group: 'logging',
    type: 'bool-truthy',
    default: 'false',
    accepted: TRUTHY_ACCEPTED,
    description: 'No ANSI colours in readable mode (JSONL never has any).',
    source: 'dynamo',
    keys: ['logging.disableAnsi'],
    parse: truthyBoolean,
    fallback: false,
  }),
} as const;
