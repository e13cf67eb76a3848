// Each package README lists its package's public API: every name exported by src/index.ts appears
// in it as `code` (issue 19, item 2), so a newcomer sees what a package offers without its source,
// and a new export without documentation fails here with its name.
import { expect } from 'chai';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, read } from './markdown.js';

/** The names `src/index.ts` exports: `export { a, b as c }` and `export type { … }` lists. */
export function exportedNames(source) {
  const code = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');
  const names = [];
  for (const match of code.matchAll(/export\s+(?:type\s+)?\{([^}]*)\}/g)) {
    for (const part of match[1].split(',')) {
      const name = part
        .trim()
        .replace(/^type\s+/, '')
        .split(/\s+as\s+/)
        .pop()
        .trim();
      if (name) names.push(name);
    }
  }
  for (const match of code.matchAll(
    /export\s+(?:declare\s+)?(?:async\s+)?(?:function|class|const|let|interface|type|enum)\s+([A-Za-z_$][\w$]*)/g,
  )) {
    names.push(match[1]);
  }
  return [...new Set(names)];
}

const packages = readdirSync(join(ROOT, 'packages')).filter(
  (name) =>
    existsSync(join(ROOT, 'packages', name, 'src/index.ts')) && existsSync(join(ROOT, 'packages', name, 'README.md')),
);

describe('package READMEs list their public API', () => {
  it('reads export lists', () => {
    const names = exportedNames(
      "// x\nexport { a, b as c } from './x.js';\nexport type { T } from './t.js';\nexport { type U, v } from './u.js';\nexport function w() {}\n",
    );
    expect(names).to.deep.equal(['a', 'c', 'T', 'U', 'v', 'w']);
  });

  it('finds the packages with a README', () => {
    expect(packages).to.include.members(['core', 'knex', 'kafka', 'cli']);
  });

  for (const name of packages) {
    it(`packages/${name}/README.md names every export of src/index.ts`, () => {
      const readme = read(`packages/${name}/README.md`);
      const exported = exportedNames(read(`packages/${name}/src/index.ts`));
      expect(exported).to.not.be.empty;
      // As code: `name`, or the start of a call or member in code (`name(options)`, `name.x`).
      const missing = exported.filter((symbol) => !new RegExp(`\`${symbol}[\`(.<]`).test(readme));
      expect(missing, `add to packages/${name}/README.md: ${missing.join(', ')}`).to.deep.equal([]);
    });
  }
});
