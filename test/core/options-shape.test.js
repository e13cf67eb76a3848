import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const internal = require.resolve('@audit-events/core/internal');

// The middleware reads its checked options on every request. An object in V8's dictionary mode
// (what an object literal with a getter becomes) made each of those reads a generic lookup, so
// the shape is checked with V8's own predicate, in a child process that may use it.
describe('resolveOptions: the checked options', () => {
  it('keep fast properties, with and without every option, and still read the masker per request', () => {
    const script = `
      const { resolveOptions } = require(${JSON.stringify(internal)});
      const all = resolveOptions({
        includeQueryParams: true, includePostData: true, maskPostFields: ['ticket_ref'], replaceDefaultMaskedFields: false,
        includeHeaders: ['User-Agent'], clientIpResolver: () => null, getUser: () => null, getTenant: () => null,
        getActor: () => null, store: { save() {} }, extraData: { app: 'x' }, requestIdHeader: 'X-Trace-Id',
        setRequestIdHeader: false, generateRequestId: () => 'id', maxBodyBytes: 1024, describer: () => null,
      });
      const none = resolveOptions({});
      console.log(JSON.stringify({
        fast: [%HasFastProperties(all), %HasFastProperties(none)],
        sameShape: %HaveSameMap(all, none),
        masks: all.masker.isSensitive('ticket_ref') && !none.masker.isSensitive('ticket_ref'),
        header: all.requestIdHeader,
      }));`;
    const out = execFileSync(process.execPath, ['--allow-natives-syntax', '-e', script], { encoding: 'utf8' });
    expect(JSON.parse(out)).to.deep.equal({ fast: [true, true], sameShape: true, masks: true, header: 'x-trace-id' });
  });
});
