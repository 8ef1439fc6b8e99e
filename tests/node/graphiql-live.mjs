// Subscribes the way GraphiQL 4 does — @graphiql/toolkit's fetcher, with the token typed in
// GraphiQL's Headers tab (the fetcher merges those headers into the websocket's connection
// params) — and prints the first event it receives live. The same fetcher then runs a query
// over HTTP with the same headers.
// Usage: node graphiql-live.mjs HTTP_URL WS_URL TOKEN ORDER_ID
import { createGraphiQLFetcher } from '@graphiql/toolkit';
import { parse } from 'graphql';
import WebSocket from 'ws';

globalThis.WebSocket = WebSocket; // what a browser has; Node 20 does not

const [url, subscriptionUrl, token, orderId] = process.argv.slice(2);
const headers = { Authorization: `Bearer ${token}` };
const fetcher = createGraphiQLFetcher({ url, subscriptionUrl, fetch: globalThis.fetch }); // the page passes its fetch too
const timer = setTimeout(() => {
  console.error('no event within 15 s');
  process.exit(1);
}, 15000);

// Over HTTP the fetcher answers with an async iterable (it accepts multipart responses too).
const first = async (r) => {
  if (r && typeof r[Symbol.asyncIterator] === 'function') for await (const v of r) return v;
  return r;
};
const me = await first(await fetcher({ query: '{ me { role } }' }, { headers, documentAST: parse('{ me { role } }') }));
console.log(`me ${JSON.stringify(me.data)}`);

const query = 'subscription Live($o: ID!) { orderEvents(orderId: $o) { kind toStatus } }';
const results = await fetcher(
  { query, variables: { o: orderId }, operationName: 'Live' },
  { headers, documentAST: parse(query) },
);
console.log('subscribed');
for await (const result of results) {
  if (result.errors) {
    console.error(`errors ${JSON.stringify(result.errors)}`);
    process.exit(1);
  }
  console.log(`event ${JSON.stringify(result.data.orderEvents)}`);
  clearTimeout(timer);
  process.exit(0);
}
console.error('the stream ended without an event');
process.exit(1);
