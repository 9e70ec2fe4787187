/**
 * Checks every fenced code block in the documentation (README.md, docs/*.md, packages/*\/README.md,
 * examples/*\/README.md). The convention, documented in docs/README.md, is the block's info string:
 *
 *   ```ts                 a complete program: type-checked against the workspace packages, then run
 *                         (node, the `@dynotel/source` condition, a timeout; it must exit 0 by itself)
 *   ```ts compile-only    type-checked only (servers, fragments that need a real deployment)
 *   ```sh                 syntax-checked with `bash -n`
 *   ```<lang> illustration  neither: output, pseudo code, YAML, PromQL, a fragment of a bigger file
 *
 * Any other block (a language we cannot check, or none) without `illustration` fails the check, so a
 * new block is either checked or visibly marked. The fenced blocks of TSDoc `@example` sections in
 * packages/*\/src are checked the same way (their ` * ` prefixes removed).
 *
 *   node scripts/check-docs-snippets.ts           check all, print counts
 *   node scripts/check-docs-snippets.ts --list    list every block with its kind, check nothing
 *
 * TypeScript blocks are written to packages/dynotel/.doc-snippets/ (git-ignored), where every workspace
 * package, express and fastify resolve, and checked with one `tsc` run over all of them.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SNIPPET_DIR = join(ROOT, 'packages', 'dynotel', '.doc-snippets');
const RUN_TIMEOUT_MS = 20_000;
const TS_LANGS = new Set(['ts', 'typescript', 'js', 'javascript', 'mjs']);
const SH_LANGS = new Set(['sh', 'bash', 'shell']);

type Kind = 'run' | 'compile' | 'sh' | 'illustration' | 'unmarked';

interface Block {
  readonly file: string;
  readonly line: number;
  readonly lang: string;
  readonly kind: Kind;
  readonly code: string;
}

function docFiles(): string[] {
  const files = ['README.md'];
  const inDir = (dir: string): string[] =>
    readdirSync(join(ROOT, dir), { withFileTypes: true }).map((entry) => join(dir, entry.name));
  files.push(...inDir('docs').filter((f) => f.endsWith('.md')));
  for (const parent of ['packages', 'examples']) {
    for (const dir of inDir(parent)) {
      try {
        readFileSync(join(ROOT, dir, 'README.md'));
        files.push(join(dir, 'README.md'));
      } catch {
        // no README in this directory
      }
    }
  }
  return files.sort();
}

/** packages/<pkg>/src/**\/*.ts, for their TSDoc `@example` blocks. */
function sourceFiles(): string[] {
  const files: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts')) files.push(path);
    }
  };
  for (const name of readdirSync(join(ROOT, 'packages'))) {
    try {
      walk(join('packages', name, 'src'));
    } catch {
      // no src directory
    }
  }
  return files.sort();
}

/**
 * The fenced blocks of a source file's `@example` sections, as markdown: the comment's ` * ` prefixes
 * removed, line numbers kept (other lines blanked) so a failure points at the source line.
 */
export function exampleText(text: string): string {
  const lines = text.split('\n');
  const out = lines.map(() => '');
  let inExample = false;
  for (const [index, line] of lines.entries()) {
    const body = /^\s*\*(?: ?)(.*)$/.exec(line);
    if (body === null || /\*\/\s*$/.test(line)) {
      inExample = false;
      continue;
    }
    const content = body[1] ?? '';
    if (content.startsWith('@example')) inExample = true;
    else if (content.startsWith('@')) inExample = false;
    else if (inExample) out[index] = content;
  }
  return out.join('\n');
}

function kindOf(lang: string, words: readonly string[]): Kind {
  if (words.includes('illustration')) return 'illustration';
  if (TS_LANGS.has(lang)) return words.includes('compile-only') ? 'compile' : 'run';
  if (SH_LANGS.has(lang)) return 'sh';
  return 'unmarked';
}

export function extractBlocks(file: string, text: string): Block[] {
  const blocks: Block[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,}|~{3,})(.*)$/.exec(lines[i] ?? '');
    if (open === null) continue;
    const [, indent = '', fence = '', info = ''] = open;
    const [lang = '', ...words] = info.trim().split(/\s+/);
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length; j++) {
      const line = lines[j] ?? '';
      if (line.trim().startsWith(fence) && line.trim().replace(/[`~]/g, '') === '') break;
      body.push(line.startsWith(indent) ? line.slice(indent.length) : line);
    }
    blocks.push({ file, line: i + 1, lang, kind: kindOf(lang, words), code: `${body.join('\n')}\n` });
    i = j;
  }
  return blocks;
}

function snippetName(block: Block): string {
  const stem = block.file.replace(/\.(md|ts)$/, '').replace(/[^A-Za-z0-9]+/g, '_');
  const ext = block.lang.startsWith('j') || block.lang === 'mjs' ? 'mjs' : 'ts';
  return `${stem}_L${block.line}.${ext}`;
}

function checkShell(blocks: readonly Block[]): string[] {
  const failures: string[] = [];
  for (const block of blocks) {
    const result = spawnSync('bash', ['-n'], { input: block.code, encoding: 'utf8' });
    if (result.status !== 0) failures.push(`${block.file}:${block.line}: sh syntax: ${result.stderr.trim()}`);
  }
  return failures;
}

function typeCheck(blocks: readonly Block[]): string[] {
  if (blocks.length === 0) return [];
  const tsconfig = {
    extends: '../../../tsconfig.base.json',
    compilerOptions: { noUnusedLocals: false, allowJs: true, checkJs: true, types: ['node'] },
    include: blocks.map(snippetName),
  };
  writeFileSync(join(SNIPPET_DIR, 'tsconfig.json'), `${JSON.stringify(tsconfig, null, 2)}\n`);
  const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const result = spawnSync(process.execPath, [tsc, '-p', SNIPPET_DIR, '--noEmit', '--pretty', 'false'], {
    cwd: SNIPPET_DIR,
    encoding: 'utf8',
  });
  if (result.status === 0) return [];
  const bySnippet = new Map(blocks.map((block) => [snippetName(block), block]));
  return `${result.stdout}${result.stderr}`
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const hit = /^(?:\.doc-snippets\/)?([^(]+)\((\d+),\d+\): (.*)$/.exec(line);
      const block = hit?.[1] === undefined ? undefined : bySnippet.get(hit[1]);
      if (hit === undefined || hit === null || block === undefined) return `tsc: ${line}`;
      return `${block.file}:${block.line + Number(hit[2])}: ${hit[3]}`;
    });
}

function runOne(block: Block): Promise<string | undefined> {
  return new Promise((resolvePromise) => {
    const child = spawn(
      process.execPath,
      ['--conditions=@dynotel/source', '--no-warnings', join(SNIPPET_DIR, snippetName(block))],
      { cwd: SNIPPET_DIR, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, DYN_LOG: 'error' } },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), RUN_TIMEOUT_MS);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolvePromise(undefined);
      else {
        const why = signal === 'SIGKILL' ? `did not exit within ${RUN_TIMEOUT_MS} ms` : `exited ${code}`;
        resolvePromise(
          `${block.file}:${block.line}: run ${why}:\n${output.trim().split('\n').slice(-15).join('\n')}`,
        );
      }
    });
  });
}

async function runAll(blocks: readonly Block[]): Promise<string[]> {
  const failures: string[] = [];
  const queue = [...blocks];
  const worker = async (): Promise<void> => {
    for (let block = queue.shift(); block !== undefined; block = queue.shift()) {
      const failure = await runOne(block);
      if (failure !== undefined) failures.push(failure);
    }
  };
  await Promise.all([worker(), worker()]);
  return failures;
}

async function main(): Promise<number> {
  const blocks = [
    ...docFiles().flatMap((file) => extractBlocks(file, readFileSync(join(ROOT, file), 'utf8'))),
    ...sourceFiles().flatMap((file) =>
      extractBlocks(file, exampleText(readFileSync(join(ROOT, file), 'utf8'))),
    ),
  ];
  if (process.argv.includes('--list')) {
    for (const block of blocks)
      console.log(`${block.kind.padEnd(12)} ${block.lang.padEnd(6)} ${block.file}:${block.line}`);
    return 0;
  }
  const of = (kind: Kind): Block[] => blocks.filter((block) => block.kind === kind);
  const failures = of('unmarked').map(
    (block) =>
      `${block.file}:${block.line}: a \`${block.lang || '(no language)'}\` block must be checked (ts, js, sh) or marked \`illustration\``,
  );
  rmSync(SNIPPET_DIR, { recursive: true, force: true });
  mkdirSync(SNIPPET_DIR, { recursive: true });
  const compiled = [...of('run'), ...of('compile')];
  for (const block of compiled) writeFileSync(join(SNIPPET_DIR, snippetName(block)), block.code);
  failures.push(...checkShell(of('sh')));
  const typeFailures = typeCheck(compiled);
  failures.push(...typeFailures);
  if (typeFailures.length === 0) failures.push(...(await runAll(of('run'))));
  if (!process.argv.includes('--keep')) rmSync(SNIPPET_DIR, { recursive: true, force: true });

  console.log(
    `doc snippets: ${blocks.length} blocks found; ${compiled.length} type-checked, ${of('run').length} run, ` +
      `${of('sh').length} sh syntax-checked, ${of('illustration').length} marked illustration`,
  );
  for (const failure of failures) console.error(`\n${failure}`);
  if (failures.length > 0)
    console.error(`\n${failures.length} problem(s); see docs/README.md for the convention`);
  return failures.length === 0 ? 0 : 1;
}

if (process.argv[1] !== undefined && relative(process.argv[1], fileURLToPath(import.meta.url)) === '') {
  process.exitCode = await main();
}
