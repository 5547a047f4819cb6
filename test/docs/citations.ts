// Finds the documents that source files cite and checks them against the
// repository: a cited `*.md` must exist here, a quoted section after it must
// be one of its headings, and the project's private notes (kept outside the
// repository) must not be cited at all. Used by citations.test.ts on the real
// tree and on small fixture trees, so the checker itself is tested.
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

/** Directories whose files are scanned for citations, relative to the repository root. */
export const SCANNED_DIRS = ['src', 'native', 'bench', 'test', 'scripts'];

/** Names of the private design notes that live outside the repository; citing them is an error. */
export const PRIVATE_NOTES: readonly string[] = ['DESIGN', 'NEBULA-PROTOCOL'].map((n) => `${n}.md`);

/** Directories never scanned (build output, dependencies). */
const SKIPPED_DIRS = new Set(['node_modules', 'dist', 'build', '.git']);
/** Files above this size are data, not source. */
const MAX_SCANNED_BYTES = 1 << 20;

/** One problem found, in words a reader can act on. */
export interface CitationProblem {
  file: string;
  message: string;
}

/**
 * A document reference: a path ending in `.md` not preceded by a path or URL
 * character, then optionally one or more quoted section names separated by
 * commas or "and", e.g. docs/PROTOCOL.md "Header", "Counters".
 */
const CITATION = /(?<![\w/.:-])((?:[\w.-]+\/)*[\w.-]+\.md)\b((?:\s*,?\s*(?:and\s+)?"[^"\n]+")*)/g;
const SECTION = /"([^"\n]+)"/g;

/** Every file under `dir` (recursively), skipping build output and dependencies. */
export function listFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    if (SKIPPED_DIRS.has(name)) continue;
    const p = join(dir, name);
    const st = statSync(p);
    if (st.isDirectory()) out.push(...listFiles(p));
    else if (st.isFile() && st.size <= MAX_SCANNED_BYTES) out.push(p);
  }
  return out;
}

/** The headings of a Markdown text (ATX `#` headings outside fenced code blocks), as written. */
export function headings(markdown: string): Set<string> {
  const out = new Set<string>();
  let fenced = false;
  for (const line of markdown.split('\n')) {
    if (/^\s*(```|~~~)/.test(line)) {
      fenced = !fenced;
      continue;
    }
    if (fenced) continue;
    const m = /^#{1,6}\s+(.+?)\s*#*\s*$/.exec(line);
    if (m) out.add(m[1]!);
  }
  return out;
}

/**
 * Joins comment continuation lines (`//`, `*`, `#` prefixes) so a citation
 * wrapped over two comment lines is read as one.
 */
function flattenComments(text: string): string {
  return text.replace(/\n[ \t]*(?:\/\/+|\*(?!\/)|#)[ \t]?/g, ' ');
}

/** Where a cited path points: relative to the repository root, to docs/, or to the citing file. */
function resolveDoc(root: string, citingFile: string, cited: string): string | null {
  for (const base of [root, join(root, 'docs'), dirname(citingFile)]) {
    const p = join(base, cited);
    if (existsSync(p) && statSync(p).isFile()) return p;
  }
  return null;
}

/** Checks the citations of every file under the scanned directories of `root`. */
export function checkCitations(root: string, dirs: readonly string[] = SCANNED_DIRS): CitationProblem[] {
  const problems: CitationProblem[] = [];
  const headingCache = new Map<string, Set<string>>();
  for (const dir of dirs) {
    for (const file of listFiles(join(root, dir))) {
      const bytes = readFileSync(file);
      if (bytes.includes(0)) continue;
      const rel = relative(root, file);
      const text = flattenComments(bytes.toString('utf8'));
      for (const name of PRIVATE_NOTES) {
        if (new RegExp(`(?<![\\w-])${name.replace('.', '\\.')}`).test(text)) {
          problems.push({ file: rel, message: `cites ${name}, which is not in the repository: cite the docs/ file that holds the fact` });
        }
      }
      for (const m of text.matchAll(CITATION)) {
        const cited = m[1]!;
        if (PRIVATE_NOTES.some((n) => cited === n || cited.endsWith(`/${n}`))) continue;
        const target = resolveDoc(root, file, cited);
        if (target === null) {
          problems.push({ file: rel, message: `cites ${cited}, which does not exist in the repository` });
          continue;
        }
        let known = headingCache.get(target);
        if (known === undefined) {
          known = headings(readFileSync(target, 'utf8'));
          headingCache.set(target, known);
        }
        for (const s of (m[2] ?? '').matchAll(SECTION)) {
          if (!known.has(s[1]!)) problems.push({ file: rel, message: `cites ${cited} "${s[1]!}", which is not a heading of ${relative(root, target)}` });
        }
      }
    }
  }
  return problems;
}

/** Relative Markdown links in `markdownFile` (to any file, with or without an #anchor) that point to no file. */
export function brokenLinks(root: string, markdownFile: string): CitationProblem[] {
  const problems: CitationProblem[] = [];
  const text = readFileSync(markdownFile, 'utf8');
  for (const m of text.matchAll(/\]\(([^)\s#]+)(?:#[^)\s]*)?\)/g)) {
    const target = m[1]!;
    if (/^[a-z]+:/i.test(target)) continue;
    if (!existsSync(join(dirname(markdownFile), target))) {
      problems.push({ file: relative(root, markdownFile), message: `links to ${target}, which does not exist` });
    }
  }
  for (const name of PRIVATE_NOTES) {
    if (text.includes(name)) problems.push({ file: relative(root, markdownFile), message: `mentions ${name}, which is not in the repository` });
  }
  return problems;
}
