// The API report (issue 20): every runtime export of every package entry point is recorded in
// test/docs/api-report.json, so adding or removing one is a reviewed change, never an accident.
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { REPORT_FILE, apiChanges, currentApi } from '../../scripts/api-report.mjs';

describe('API report', () => {
  it('the built packages export exactly what test/docs/api-report.json records', () => {
    const changes = apiChanges(JSON.parse(readFileSync(REPORT_FILE, 'utf8')), currentApi());
    expect(
      changes,
      'exports changed: review them, then run `node scripts/api-report.mjs --update` and name new public ones in the package README',
    ).to.deep.equal([]);
  });

  it('reports additions and removals per entry point', () => {
    const changes = apiChanges({ a: ['x', 'y'] }, { a: ['y', 'z'], 'a/internal': ['w'] });
    expect(changes.sort()).to.deep.equal(['+ a z', '+ a/internal w', '- a x'].sort());
  });

  it('keeps the public API of core small: internals live in @audit-events/core/internal', () => {
    const api = currentApi();
    for (const internal of [
      'createRequestContext',
      'resolveOptions',
      'respondToListing',
      'parseListingQuery',
      'normalizeQuery',
    ]) {
      expect(api['@audit-events/core'], internal).not.to.include(internal);
      expect(api['@audit-events/core/internal'], internal).to.include(internal);
    }
  });
});
