import { expect } from 'chai';
import { unsettledRounds } from '../../bench/lib/instructions.mjs';

// The instruction suites count a warm server; a round counted while V8's compiler threads were
// still at work measures code not yet optimised. These are rounds of real runs (instructions per
// request, all threads and main thread).
const round = (all, main) => ({ all, main });

describe('npm run bench: rounds counted before V8 settled', () => {
  it('finds the Node 24 Koa floor rounds whose compiler threads were still busy', () => {
    const rounds = {
      'koa-als': [round(107179, 83432), round(106982, 82841), round(75153, 74198)],
      'als+id': [round(81691, 81439), round(81559, 81317), round(81534, 81300)],
      'audit-context': [round(82716, 82526), round(83532, 83309), round(83012, 82776)],
      'audit-context/no-echo': [round(76152, 75951), round(76504, 76296), round(75642, 75451)],
    };
    expect(unsettledRounds(rounds)).to.deep.equal([
      { variant: 'koa-als', index: 0 },
      { variant: 'koa-als', index: 1 },
    ]);
  });

  it('takes a share of other-thread work that every round has as usual (Express on Node 20: +7.5 %)', () => {
    const rounds = {
      als: [round(594800, 553292), round(594700, 553100), round(594900, 553400)],
      'als+id': [round(604100, 564000), round(605000, 563300), round(605200, 563500)],
      'audit-context': [round(611000, 568400), round(609600, 568200), round(614600, 568000)],
    };
    expect(unsettledRounds(rounds)).to.deep.equal([]);
  });

  it('holds the tolerance: 5 points over the usual share by default, or as given', () => {
    const rounds = { a: [round(100, 100), round(100, 100), round(104, 100)], b: [round(100, 100), round(106, 100)] };
    expect(unsettledRounds(rounds)).to.deep.equal([{ variant: 'b', index: 1 }]);
    expect(unsettledRounds(rounds, 0.03)).to.deep.equal([
      { variant: 'a', index: 2 },
      { variant: 'b', index: 1 },
    ]);
  });
});
