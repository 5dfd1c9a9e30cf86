// Verify Blockcerts documents with @blockcerts/cert-verifier-js, offline.
//
// Usage: node verify.cjs <rpc_url> <app_origin> < documents.json   (a JSON array of documents)
// Prints one JSON line: [{status, message, steps: [[code, status], ...]}, ...] in input order.
//
// Offline: globalThis.fetch answers only the app's own origin and the RPC node; anything else
// (a context, an explorer on the internet) is refused. cert-verifier-js upgrades http:// URLs to
// https:// before fetching them, so a request for the app's origin over https is sent over http.
// The transaction is read through our own explorer (eth_getTransactionByHash over JSON-RPC): the
// library's built-in RPC parser would upgrade the node's http:// URL to https:// as well.
'use strict';

const { Certificate } = require('@blockcerts/cert-verifier-js/dist/verifier-node/index.js');

const [rpcUrl, appOrigin] = process.argv.slice(2);
const realFetch = globalThis.fetch;
const app = new URL(appOrigin);
const rpc = new URL(rpcUrl);

globalThis.fetch = async (input, init) => {
  const url = new URL(typeof input === 'string' ? input : input.url);
  if (url.host === app.host) {
    url.protocol = app.protocol;
    return realFetch(url.toString(), init);
  }
  if (url.host === rpc.host) {
    return realFetch(input, init);
  }
  throw new Error(`offline: refused ${url.origin}`);
};

async function rpcCall (method, params) {
  const response = await realFetch(rpcUrl, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params })
  });
  const body = await response.json();
  if (body.error) throw new Error(`${method}: ${body.error.message}`);
  return body.result;
}

const explorer = {
  serviceURL: rpcUrl,
  priority: 0,
  apiType: 'rpc',
  chainType: 'evm',
  parsingFunction: async ({ transactionId }) => {
    const tx = await rpcCall('eth_getTransactionByHash', [`0x${transactionId.replace(/^0x/, '')}`]);
    if (!tx || !tx.blockNumber) throw new Error(`transaction ${transactionId} is not mined`);
    const block = await rpcCall('eth_getBlockByNumber', [tx.blockNumber, false]);
    return {
      remoteHash: tx.input.replace(/^0x/, '').toLowerCase(),
      issuingAddress: tx.from,
      time: new Date(parseInt(block.timestamp, 16) * 1000),
      revokedAddresses: []
    };
  }
};

async function verify (document) {
  const steps = [];
  try {
    const certificate = new Certificate(document, { explorerAPIs: [explorer] });
    await certificate.init();
    const result = await certificate.verify(({ code, status }) => { steps.push([code, status]); });
    return { status: result.status, message: result.message, steps };
  } catch (error) {
    return { status: 'error', message: String(error && error.message ? error.message : error), steps };
  }
}

(async () => {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  const documents = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  const results = [];
  for (const document of documents) results.push(await verify(document));
  process.stdout.write(JSON.stringify(results) + '\n');
})();
