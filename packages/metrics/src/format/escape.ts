/**
 * Escaping exactly as the formats require (standards §1.1): label values escape `\`, `"` and LF and
 * nothing else; HELP escapes `\` and LF in text 0.0.4 and also `"` in OpenMetrics. Escaping more (a TAB,
 * a CR) would produce escapes the reference parsers reject.
 */
const LABEL_VALUE_SPECIAL = /[\\"\n]/;
const HELP_TEXT_SPECIAL = /[\\\n]/;
const HELP_OM_SPECIAL = /[\\"\n]/;

export function escapeLabelValue(value: string): string {
  if (!LABEL_VALUE_SPECIAL.test(value)) return value;
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

export function escapeHelp(help: string, openMetrics: boolean): string {
  if (openMetrics) {
    if (!HELP_OM_SPECIAL.test(help)) return help;
    return help.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
  }
  if (!HELP_TEXT_SPECIAL.test(help)) return help;
  return help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}
