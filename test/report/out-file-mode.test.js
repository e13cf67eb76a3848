// Issue 16 item 13 (CLI file outputs): `report html --out` is audit data. It is created 0640
// whatever the umask, replaces the target atomically (a symlink there is replaced, not followed),
// and a target that was open to others is reported.
import { expect } from 'chai';
import { chmodSync, lstatSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../cli/harness.js';
import { tempDir, writeFixtureLog } from './support.js';

describe('report html --out: file mode (issue 16 item 13)', () => {
  it('creates 0640 under umask 0, and warns when replacing a file others could read', async () => {
    const dir = tempDir();
    const log = await writeFixtureLog(dir);
    const out = join(dir, 'report.html');
    const previous = process.umask(0);
    try {
      let r = await runCli(['report', 'html', '--file', log, '--out', out]);
      expect(r.code, r.stderr).to.equal(0);
      expect(statSync(out).mode & 0o777).to.equal(0o640);
      expect(r.stderr).not.to.include('looser');

      chmodSync(out, 0o666);
      r = await runCli(['report', 'html', '--file', log, '--out', out]);
      expect(r.code).to.equal(0);
      expect(r.stderr).to.include(`warning: report ${out} had mode 0666, looser than 0640: replaced, now 0640`);
      expect(statSync(out).mode & 0o777).to.equal(0o640);

      const victim = join(dir, 'victim');
      writeFileSync(victim, 'keep');
      const link = join(dir, 'link.html');
      symlinkSync(victim, link);
      r = await runCli(['report', 'html', '--file', log, '--out', link]);
      expect(r.code).to.equal(0);
      expect(readFileSync(victim, 'utf8')).to.equal('keep');
      expect(lstatSync(link).isSymbolicLink()).to.equal(false);
    } finally {
      process.umask(previous);
    }
  });
});
