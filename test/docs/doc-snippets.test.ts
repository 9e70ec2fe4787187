// The doc-snippet runner's reading of the marker convention (docs/README.md, "Code blocks in the
// documentation"): which blocks it type-checks, runs, syntax-checks, skips, or rejects as unmarked.
import { describe, expect, it } from 'vitest';
import { exampleText, extractBlocks } from '../../scripts/check-docs-snippets.ts';

const FENCE = '```';

describe('doc snippets: the info string decides what CI does with a block', () => {
  const markdown = [
    '# title', //                                   1
    `${FENCE}ts`, //                                 2: run
    "import { init } from 'dynotel';",
    FENCE,
    `${FENCE}ts compile-only`, //                    5: compile
    'app.listen(8000);',
    FENCE,
    `${FENCE}sh`, //                                 8: sh
    'pnpm build',
    FENCE,
    `${FENCE}yaml illustration`, //                 11: illustration
    'a: 1',
    FENCE,
    FENCE, //                                       14: unmarked (no language)
    'output',
    FENCE,
    '- item', //                                    17
    `  ${FENCE}js`, //                              18: run, indented in a list
    '  console.log(1);',
    `  ${FENCE}`,
  ].join('\n');
  const blocks = extractBlocks('doc.md', markdown);

  it('finds every block with its opening line and kind', () => {
    expect(blocks.map((b) => [b.line, b.lang, b.kind])).toEqual([
      [2, 'ts', 'run'],
      [5, 'ts', 'compile'],
      [8, 'sh', 'sh'],
      [11, 'yaml', 'illustration'],
      [14, '', 'unmarked'],
      [18, 'js', 'run'],
    ]);
  });

  it('keeps the code without the fence and without the list indentation', () => {
    expect(blocks[0]?.code).toBe("import { init } from 'dynotel';\n");
    expect(blocks[5]?.code).toBe('console.log(1);\n');
  });

  it('an illustration marker wins over a checkable language', () => {
    expect(extractBlocks('x.md', `${FENCE}ts illustration\nnot: valid ts\n${FENCE}\n`)[0]?.kind).toBe(
      'illustration',
    );
  });
});

describe('doc snippets: TSDoc @example blocks', () => {
  const source = [
    '/**', //                                    1
    ' * Does a thing.',
    ' *',
    ' * @example',
    ` * ${FENCE}ts`, //                          5
    " * import { init } from 'dynotel';",
    ' * init();',
    ` * ${FENCE}`,
    ' * @returns nothing',
    ` * ${FENCE}ts`, //                         10: after another tag, not an example
    ' * ignored();',
    ` * ${FENCE}`,
    ' */',
    'export function thing(): void {}',
  ].join('\n');

  it('extracts the example with its source line, and nothing after the next tag', () => {
    const blocks = extractBlocks('src/thing.ts', exampleText(source));
    expect(blocks).toHaveLength(1);
    expect(blocks[0]).toMatchObject({
      line: 5,
      kind: 'run',
      code: "import { init } from 'dynotel';\ninit();\n",
    });
  });
});
