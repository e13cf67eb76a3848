'use strict';
// Preloaded by scripts/with-node.sh (NODE_OPTIONS=--require): when a native addon of the shared
// node_modules is loaded, the copy rebuilt for the running Node version is loaded instead. Every
// `.node` file goes through process.dlopen, for require() and import alike, so one hook covers
// the test process and every child process that inherits NODE_OPTIONS.
const { readFileSync, realpathSync } = require('node:fs');

const manifestFile = process.env.WITH_NODE_ADDONS_MANIFEST;
const manifest = manifestFile ? JSON.parse(readFileSync(manifestFile, 'utf8')) : { abi: null, addons: {} };
const replacements = new Map(Object.entries(manifest.addons));

if (manifest.abi === process.versions.modules && replacements.size > 0) {
  const dlopen = process.dlopen;
  const replacementFor = (filename) => {
    if (replacements.has(filename)) return replacements.get(filename);
    try {
      return replacements.get(realpathSync(filename));
    } catch {
      return undefined;
    }
  };
  process.dlopen = function dlopenRebuilt(module, filename, ...rest) {
    return dlopen.call(this, module, replacementFor(String(filename)) ?? filename, ...rest);
  };
}
