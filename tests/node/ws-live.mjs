// Subscribes to an order's events with the reference graphql-ws client and prints the first
// event it receives live. Usage: node ws-live.mjs WS_URL TOKEN ORDER_ID
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

const [url, token, orderId] = process.argv.slice(2);
const client = createClient({ url, webSocketImpl: WebSocket, connectionParams: { token }, retryAttempts: 0 });
const timer = setTimeout(() => {
  console.error('no event within 15 s');
  process.exit(1);
}, 15000);
client.subscribe(
  { query: 'subscription($o: ID!) { orderEvents(orderId: $o) { kind toStatus } }', variables: { o: orderId } },
  {
    next: (value) => {
      console.log(`event ${JSON.stringify(value.data.orderEvents)}`);
      clearTimeout(timer);
      client.dispose();
      process.exit(0);
    },
    error: (e) => {
      console.error(`error ${JSON.stringify(e)}`);
      process.exit(1);
    },
    complete: () => {},
  },
);
console.log('subscribed');
