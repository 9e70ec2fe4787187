import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

/**
 * The first ```ts block after the line `marker` in a README of the repository, as written there: the
 * adopter suite runs the snippets a user copies, so a README change that breaks them fails here.
 */
export function readmeSnippet(readme: string, marker: string): string {
  const text = readFileSync(`${ROOT}/${readme}`, 'utf8');
  const at = text.indexOf(`\n${marker}\n`);
  if (at === -1) throw new Error(`${readme} has no line '${marker}'`);
  const open = text.indexOf('```ts\n', at);
  const close = text.indexOf('\n```', open + 6);
  if (open === -1 || close === -1) throw new Error(`${readme}: no ts block after '${marker}'`);
  return `${text.slice(open + 6, close)}\n`;
}
