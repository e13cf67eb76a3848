// Issue 16 item 13 (CLI): text from the log reaches a terminal or a spreadsheet. Every control,
// bidi and line-separator character is shown as `\uXXXX` in the table and in CSV, and CSV cells
// that a spreadsheet would run as a formula get a leading apostrophe.
import { expect } from 'chai';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../cli/harness.js';
import { tempDir } from './support.js';

const HOSTILE_CHARS = {
  ESC: '\u001b',
  BEL: '\u0007',
  DEL: '\u007f',
  CSI: '\u009b',
  RLO: '\u202e',
  LRE: '\u202a',
  RLI: '\u2067',
  PDI: '\u2069',
  RLM: '\u200f',
  ALM: '\u061c',
  LS: '\u2028',
  PS: '\u2029',
};

function logLine(manager, user) {
  return JSON.stringify({
    timestamp: '2025-03-01T00:00:00Z',
    action: 'read',
    granted: false,
    manager,
    user_id: null,
    user_repr: user,
  });
}

describe('report output escapes hostile text (issue 16 item 13)', () => {
  let file;
  before(() => {
    const dir = tempDir();
    file = join(dir, 'hostile.log');
    const lines = Object.entries(HOSTILE_CHARS).map(([name, c]) => logLine(`M-${name}`, `u${c}[2Jx-${name}`));
    writeFileSync(file, `${lines.join('\n')}\n`);
  });

  for (const format of ['table', 'csv']) {
    it(`${format}: no control, bidi or separator character reaches stdout raw`, async () => {
      const r = await runCli(['report', 'denied', '--by', 'manager,user', '--file', file, '--format', format]);
      expect(r.code, r.stderr).to.equal(0);
      for (const [name, c] of Object.entries(HOSTILE_CHARS)) {
        expect(r.stdout.includes(c), `${name} raw in ${format}`).to.equal(false);
        const escaped = `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
        expect(r.stdout, `${name} escaped in ${format}`).to.include(`u${escaped}[2Jx-${name}`);
      }
    });
  }

  it('csv: cells a spreadsheet would run as formulas start with an apostrophe (= + - @ tab CR)', async () => {
    const dir = tempDir();
    const formulas = ['=1+1', '+1+1', '-1+1', '@SUM(A1)', '\t=1+1', '\r=1+1'];
    const path = join(dir, 'formulas.log');
    writeFileSync(path, `${formulas.map((f, i) => logLine(`F${i}`, f)).join('\n')}\n`);
    const r = await runCli(['report', 'denied', '--by', 'manager,user', '--file', path, '--format', 'csv']);
    expect(r.code).to.equal(0);
    const lines = r.stdout.split('\n');
    for (const [i, f] of formulas.entries()) {
      const needsQuotes = /[",\r\n]/.test(f);
      const cell = needsQuotes ? `"'${f}"` : `'${f}`;
      expect(
        lines.some((l) => l.startsWith(`F${i},`) && l.includes(`,${cell},`)),
        `${JSON.stringify(f)}\n${r.stdout}`,
      ).to.equal(true);
    }
  });
});
