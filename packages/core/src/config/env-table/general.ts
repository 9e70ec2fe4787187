import { truthyBoolean } from '../parsers.ts';
import { envVar } from './row.ts';

export const GENERAL_VARIABLES = {
  DYN_CONFIG_STRICT: envVar({
    name: 'DYN_CONFIG_STRICT',
    group: 'general',
    type: 'bool-truthy',
    default: 'false',
    accepted: '1|true|on|yes or 0|false|off|no (case-insensitive)',
    description:
      'Strict mode: any invalid value makes start-up fail with one error (ERR_DYNOTEL_CONFIG_INVALID) listing every problem, instead of warning and using the default.',
    source: 'dynotel',
    keys: ['strict'],
    parse: truthyBoolean,
    fallback: false,
  }),
  DYN_TELEMETRY_KEEP_URL_QUERY: envVar({
    name: 'DYN_TELEMETRY_KEEP_URL_QUERY',
    group: 'general',
    type: 'bool-truthy',
    default: 'false',
    accepted: '1|true|on|yes or 0|false|off|no (case-insensitive)',
    description:
      'Keeps query-string values in telemetry. By default every value in a URL or request target that dynotel records (the `uri` span attribute, URL fields of log lines and OTLP log records) is replaced by `REDACTED`, names kept (`?token=REDACTED`), as the OTel semantic conventions recommend for `url.query`: query strings carry tokens and keys. Dynamo records them raw. See docs/security.md.',
    source: 'dynotel',
    keys: ['privacy.keepUrlQuery'],
    parse: truthyBoolean,
    fallback: false,
  }),
} as const;
