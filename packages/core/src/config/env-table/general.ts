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
} as const;
