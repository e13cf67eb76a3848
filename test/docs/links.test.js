// The documentation a newcomer follows must hold together: every relative link and #anchor in
// README.md, docs/*.md and packages/*/README.md resolves, every docs page is one click from the
// README, and the README stays short enough to read (issue 19, item 2).
import { expect } from 'chai';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { ROOT, anchorsOf, documentationFiles, githubSlug, linksOf, read } from './markdown.js';

const README_MAX_LINES = 220;

/** What is wrong with one link of `file`, or null when it resolves. */
function brokenReason(file, target) {
  if (/^[a-z][a-z0-9+.-]*:/i.test(target)) return null; // http:, https:, mailto: — not checked offline
  const hash = target.indexOf('#');
  const path = hash === -1 ? target : target.slice(0, hash);
  const anchor = hash === -1 ? null : decodeURIComponent(target.slice(hash + 1));
  const resolved = path === '' ? file : normalize(join(dirname(file), decodeURIComponent(path)));
  if (resolved.startsWith('..')) return `points outside the repository (${resolved})`;
  if (!existsSync(join(ROOT, resolved))) return `${resolved} does not exist`;
  if (anchor === null) return null;
  if (statSync(join(ROOT, resolved)).isDirectory() || !resolved.endsWith('.md')) {
    return `#${anchor} on ${resolved}, which is not a Markdown file`;
  }
  return anchorsOf(read(resolved)).has(anchor) ? null : `${resolved} has no heading #${anchor}`;
}

describe('documentation', () => {
  const files = documentationFiles();

  it('covers the README, the docs pages and the package READMEs', () => {
    expect(files).to.include('README.md');
    expect(files).to.include('docs/errors.md');
    expect(files).to.include('packages/core/README.md');
  });

  for (const file of files) {
    it(`${file}: every relative link and #anchor resolves`, () => {
      const broken = linksOf(read(file))
        .map(({ target, line }) => ({ target, line, reason: brokenReason(file, target) }))
        .filter(({ reason }) => reason !== null)
        .map(({ target, line, reason }) => `${file}:${line} (${target}): ${reason}`);
      expect(broken, broken.join('\n')).to.deep.equal([]);
    });
  }

  it(`README.md is at most ${README_MAX_LINES} lines`, () => {
    const lines = read('README.md').replace(/\n$/, '').split('\n').length;
    expect(lines).to.be.at.most(README_MAX_LINES);
  });

  it('README.md links to every docs page', () => {
    const linked = new Set(
      linksOf(read('README.md'))
        .map(({ target }) => target.split('#')[0])
        .filter((path) => path.startsWith('docs/')),
    );
    const pages = readdirSync(join(ROOT, 'docs'))
      .filter((name) => name.endsWith('.md'))
      .map((name) => relative(ROOT, join(ROOT, 'docs', name)));
    expect(pages.filter((page) => !linked.has(page))).to.deep.equal([]);
  });

  it('README.md keeps the test command CI runs (npm test)', () => {
    expect(read('README.md')).to.match(/```sh\n[^`]*\bnpm test\b/);
  });

  describe('the link checker itself', () => {
    it('makes GitHub anchors from headings', () => {
      expect(githubSlug('Storage: `KnexEventStore`')).to.equal('storage-knexeventstore');
      expect(githubSlug('`audit-events verify`')).to.equal('audit-events-verify');
      expect(githubSlug('BufferedAuditLogger: write your own')).to.equal('bufferedauditlogger-write-your-own');
      expect(githubSlug('What we do differently from general_manager (on purpose)')).to.equal(
        'what-we-do-differently-from-general_manager-on-purpose',
      );
      expect(githubSlug('Express — and [Koa](https://koajs.com)')).to.equal('express--and-koa');
    });

    it('numbers repeated headings and ignores headings inside code blocks', () => {
      const anchors = anchorsOf('# Options\n\n## Options\n\n```sh\n# not a heading\n```\n');
      expect([...anchors]).to.deep.equal(['options', 'options-1']);
    });

    it('finds links outside code only, and reports the broken ones', () => {
      const text = 'See [a](docs/none.md) and `[b](docs/none.md)`.\n```\n[c](docs/none.md)\n```\n[d](#nowhere)\n';
      const links = linksOf(text);
      expect(links.map((l) => l.target)).to.deep.equal(['docs/none.md', '#nowhere']);
      expect(brokenReason('README.md', 'docs/none.md')).to.equal('docs/none.md does not exist');
      expect(brokenReason('README.md', '#nowhere')).to.equal('README.md has no heading #nowhere');
      expect(brokenReason('README.md', 'docs/errors.md#errors')).to.equal(null);
      expect(brokenReason('docs/cli.md', '../packages/cli')).to.equal(null);
    });
  });
});
