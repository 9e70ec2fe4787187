import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dashboards } from '../../deploy/observability/grafana/generate.ts';
import { ALERT_RULES, REPO_ROOT, ruleGroups } from './support.ts';

/** The operations docs: links resolve (file and heading), and every alert and dashboard is described. */

const DOCS = ['observability-stack.md', 'troubleshooting.md', 'capacity.md', 'runbooks.md'].map((name) =>
  join(REPO_ROOT, 'docs', name),
);

/** GitHub's heading anchor: lower-case, punctuation dropped, spaces to hyphens. */
function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');
}

function anchors(path: string): Set<string> {
  const text = readFileSync(path, 'utf8');
  return new Set([...text.matchAll(/^#{1,6} (.+)$/gm)].map((match) => slug(match[1]!)));
}

describe.each(DOCS)('%s', (path) => {
  const text = readFileSync(path, 'utf8');

  it('has only relative links that resolve to a file and heading', () => {
    const links = [...text.matchAll(/\]\(([^)\s]+)\)/g)]
      .map((match) => match[1]!)
      .filter((l) => !/^https?:/.test(l));
    for (const link of links) {
      const [file, anchor] = link.split('#') as [string, string | undefined];
      const target = file === '' ? path : join(dirname(path), file);
      expect(existsSync(target), `${link}: no such file`).toBe(true);
      if (anchor !== undefined) expect(anchors(target), `${link}: no such heading`).toContain(anchor);
    }
  });
});

describe('observability-stack.md', () => {
  const text = readFileSync(DOCS[0]!, 'utf8');

  it('describes every alert', () => {
    const names = new Set(ruleGroups(ALERT_RULES).flatMap((group) => group.rules.map((rule) => rule.alert!)));
    for (const name of names) expect(text, name).toContain(`[${name}](runbooks.md#${name.toLowerCase()})`);
  });

  it('describes every dashboard', () => {
    for (const file of Object.keys(dashboards())) expect(text, file).toContain(`\`${file}\``);
  });
});
