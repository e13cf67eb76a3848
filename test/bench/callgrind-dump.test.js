import { expect } from 'chai';
import { dumpEvents, functionCosts, perfMap } from '../../bench/lib/callgrind-dump.mjs';

// The header lines of real callgrind 3.19 dumps (of /bin/true), without and with the cache and
// branch simulation that bench/probes/cache-sim.mjs asks for.
const header = (events, summary) =>
  [
    '# callgrind format',
    'version: 1',
    'creator: callgrind-3.19.0',
    'positions: line',
    `events: ${events}`,
    `summary: ${summary}`,
    '',
  ].join('\n');

describe('npm run bench: the totals of a callgrind dump', () => {
  it('reads the instruction count of a plain dump as Ir', () => {
    expect(dumpEvents(header('Ir', '126573'))).to.deep.equal({ Ir: 126573 });
  });

  it('names every simulated event by its column', () => {
    const text = header(
      'Ir Dr Dw I1mr D1mr D1mw ILmr DLmr DLmw Bc Bcm Bi Bim',
      '126575 27890 11769 1083 990 580 1065 781 548 25651 3135 280 151',
    );
    expect(dumpEvents(text)).to.deep.equal({
      Ir: 126575,
      Dr: 27890,
      Dw: 11769,
      I1mr: 1083,
      D1mr: 990,
      D1mw: 580,
      ILmr: 1065,
      DLmr: 781,
      DLmw: 548,
      Bc: 25651,
      Bcm: 3135,
      Bi: 280,
      Bim: 151,
    });
  });

  it('reads the totals line when a dump has no summary, and null when it has neither', () => {
    expect(dumpEvents('events: Ir\nfn=main\n1 5\ntotals: 5\n')).to.deep.equal({ Ir: 5 });
    expect(dumpEvents('events: Ir\nfn=main\n')).to.equal(null);
  });

  it("gives each function its own cost, not its callees', and names JIT code through V8's perf map", () => {
    // The shape of a real dump of the Node 24 Express floor (addresses and counts shortened).
    const dump = [
      'positions: line',
      'events: Ir I1mr',
      'summary: 1000 30',
      '',
      'ob=(1) ???',
      'fl=(5) ???',
      'fn=(8858) 0x00000000280e1d80',
      '0 216 4',
      'cob=(2) /opt/node/bin/node',
      'cfi=(16) ???',
      'cfn=(5552) Builtins_StringToLowerCaseIntl',
      'calls=3000 0 ',
      '0 288 9',
      '+2 10 1',
      "fn=(8859) 0x00000000280e1d80'2",
      '* 4 0',
      'ob=(2)',
      'fl=(16)',
      'fn=(5552)',
      '0 288 9',
      'fn=(77) 0x0000000000000010',
      '0 5 0',
      'totals: 1000 30',
    ].join('\n');
    const map = perfMap(
      ['280e1d00 100 JS:*handle /app/router.js:150:43', '1a53000 3f8 Builtin:DeoptimizationEntry_Eager', ''].join('\n'),
    );
    const costs = functionCosts(dump, map);
    expect(Object.fromEntries(costs)).to.deep.equal({
      'JS:*handle /app/router.js:150:43': { Ir: 230, I1mr: 5 },
      'node:Builtins_StringToLowerCaseIntl': { Ir: 288, I1mr: 9 },
      'JIT code': { Ir: 5, I1mr: 0 },
    });
    expect(map(0x280e1cff)).to.equal(undefined);
    expect(map(0x280e1e00)).to.equal(undefined);
  });

  it('skips every position column the dump declares (instr line under --dump-instr=yes)', () => {
    const dump = ['positions: instr line', 'events: Ir Bcm', 'fn=(1) main', '0x401000 12 7 1', '+3 * 2 0', ''].join(
      '\n',
    );
    expect(Object.fromEntries(functionCosts(dump))).to.deep.equal({ ':main': { Ir: 9, Bcm: 1 } });
  });
});
