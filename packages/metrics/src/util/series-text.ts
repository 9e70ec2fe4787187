/**
 * `name{labels}` (or `name` without labels) as one contiguous string, for a series to keep and the
 * encoders to copy into every scrape. A template literal would give a V8 "cons string" (a tree of its
 * parts, flattened only when something needs it contiguous); Array#join always allocates a flat string.
 * Joining a cons string into a scrape walks its tree each time, for every series: about a third of a
 * 100k-series scrape (bench/ANALYSIS.md, "scrape").
 */
export function renderSeriesText(name: string, labelText: string): string {
  return labelText.length === 0 ? name : [name, '{', labelText, '}'].join('');
}
