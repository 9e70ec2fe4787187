/** Include/exclude prefixes for foreign text, with Dynamo's semantics. */
export interface ExpositionFilter {
  /** Keep only lines whose metric name starts with one of these (after an optional `# HELP `/`# TYPE `). */
  readonly includePrefixes?: readonly string[] | undefined;
  /** Drop lines whose metric name starts with one of these. Exclude beats include. */
  readonly excludePrefixes?: readonly string[] | undefined;
}

const METADATA_PREFIXES = ['# HELP ', '# TYPE '];

function matchesAny(line: string, prefixes: readonly string[]): boolean {
  // Equivalent to Dynamo's regex `^(# (HELP|TYPE) )?(p1|p2|...)` with escaped prefixes (prometheus.py L192-212).
  let body = line;
  for (const meta of METADATA_PREFIXES) {
    if (line.startsWith(meta)) {
      body = line.slice(meta.length);
      for (const prefix of prefixes) if (body.startsWith(prefix) || line.startsWith(prefix)) return true;
      return false;
    }
  }
  for (const prefix of prefixes) if (body.startsWith(prefix)) return true;
  return false;
}

/**
 * Dynamo's `get_prometheus_expfmt` filter (prometheus.py L288-324), line by line: with either list
 * non-empty, blank lines are dropped, a line matching an exclude prefix is dropped, and with include
 * prefixes only matching lines are kept (so other comments go too). Without filters the text is returned
 * as is. A non-empty result always ends with a line feed. This is a text operation: it neither parses
 * nor validates (`processForeignText` does both around it).
 */
export function filterExposition(text: string, filter: ExpositionFilter = {}): string {
  const include = filter.includePrefixes ?? [];
  const exclude = filter.excludePrefixes ?? [];
  if (include.length === 0 && exclude.length === 0) {
    return text.length === 0 || text.endsWith('\n') ? text : `${text}\n`;
  }
  const kept: string[] = [];
  for (const line of text.split('\n')) {
    if (line.trim().length === 0) continue;
    if (exclude.length > 0 && matchesAny(line, exclude)) continue;
    if (include.length > 0 && !matchesAny(line, include)) continue;
    kept.push(line);
  }
  return kept.length === 0 ? '' : `${kept.join('\n')}\n`;
}
