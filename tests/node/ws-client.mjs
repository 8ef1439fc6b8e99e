// Drives the server with the reference graphql-transport-ws client (graphql-ws on Node).
// Usage: node ws-client.mjs WS_URL TOKEN USER_ID
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

const [url, token, userId] = process.argv.slice(2);

function fail(message) {
  console.error(message);
  process.exit(1);
}

// 1. An authenticated client runs `me` over the socket.
const client = createClient({ url, webSocketImpl: WebSocket, connectionParams: { token }, retryAttempts: 0 });
const result = await new Promise((resolve, reject) => {
  let value;
  client.subscribe({ query: '{ me { id } }' }, { next: (v) => (value = v), error: reject, complete: () => resolve(value) });
});
if (result?.data?.me?.id !== userId) fail(`unexpected me: ${JSON.stringify(result)}`);
console.log('me ok');
await client.dispose();

// 2. A bad token: the server closes with 4403, which the client reports as a close event.
const code = await new Promise((resolve) => {
  const bad = createClient({
    url,
    webSocketImpl: WebSocket,
    connectionParams: { token: 'adb_forged' },
    retryAttempts: 0,
    on: { closed: (event) => resolve(event.code) },
  });
  bad.subscribe({ query: '{ __typename }' }, { next: () => {}, error: () => {}, complete: () => {} });
});
if (code !== 4403) fail(`expected 4403, got ${code}`);
console.log('bad token closed 4403');
process.exit(0);
