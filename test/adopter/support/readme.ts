import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

/**
 * The first ```ts block after the line `marker` in a README of the repository, as written there: the
 * adopter suite runs the snippets a user copies, so a README change that breaks them fails here. The
 * info string may carry the doc-snippet markers (```ts compile-only; docs/README.md).
 */
export function readmeSnippet(readme: string, marker: string): string {
  const text = readFileSync(`${ROOT}/${readme}`, 'utf8');
  const at = text.indexOf(`\n${marker}\n`);
  if (at === -1) throw new Error(`${readme} has no line '${marker}'`);
  const fence = /```ts(?: [^\n]*)?\n/g;
  fence.lastIndex = at;
  const open = fence.exec(text);
  const start = open === null ? -1 : open.index + open[0].length;
  const close = open === null ? -1 : text.indexOf('\n```', start);
  if (open === null || close === -1) throw new Error(`${readme}: no ts block after '${marker}'`);
  return `${text.slice(start, close)}\n`;
}
