// Just enough Markdown for the documentation tests: headings and inline links outside code, and
// the anchor slugs GitHub gives headings (github-slugger's rule).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const ROOT = new URL('../../', import.meta.url).pathname;

/** The documentation files: README.md, docs/*.md and every packages/<name>/README.md. */
export function documentationFiles() {
  const docs = readdirSync(join(ROOT, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`);
  const packages = readdirSync(join(ROOT, 'packages'))
    .map((name) => `packages/${name}/README.md`)
    .filter((file) => existsSync(join(ROOT, file)));
  return ['README.md', ...docs.sort(), ...packages.sort()];
}

/** Lines outside fenced code blocks, with their 1-based line numbers. */
function proseLines(text) {
  const lines = [];
  let fence = null;
  text.split('\n').forEach((line, index) => {
    const marker = /^\s*(`{3,}|~{3,})/.exec(line);
    if (marker) {
      if (fence === null) fence = marker[1][0];
      else if (marker[1][0] === fence) fence = null;
      return;
    }
    if (fence === null) lines.push({ line, number: index + 1 });
  });
  return lines;
}

/** Inline code spans blanked out, so `[a](b)` inside backticks is not taken for a link. */
function withoutCodeSpans(line) {
  return line.replace(/(`+)[\s\S]*?\1/g, (span) => 'x'.repeat(span.length));
}

/** GitHub's anchor for a heading text: inline markup dropped, lower case, punctuation removed, spaces → '-'. */
export function githubSlug(heading) {
  const text = heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1') // links and images keep their text
    .replace(/<[^>]+>/g, '') // inline HTML
    .trim()
    .toLowerCase();
  return text.replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '').replace(/ /g, '-');
}

/** Every anchor a file offers: one per heading, duplicates numbered -1, -2 … as GitHub does. */
export function anchorsOf(text) {
  const seen = new Map();
  const anchors = new Set();
  for (const { line } of proseLines(text)) {
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!heading) continue;
    const base = githubSlug(heading[1]);
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    anchors.add(count === 0 ? base : `${base}-${count}`);
  }
  return anchors;
}

/** Every inline link `[text](target)` outside code, with its line number. */
export function linksOf(text) {
  const links = [];
  for (const { line, number } of proseLines(text)) {
    const prose = withoutCodeSpans(line);
    for (const match of prose.matchAll(/\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
      links.push({ target: match[1], line: number });
    }
  }
  return links;
}

export function read(file) {
  return readFileSync(join(ROOT, file), 'utf8');
}
