// Runs the GraphQL-over-HTTP conformance audit of the graphql-http package against a server.
// Usage: node audit.mjs http://127.0.0.1:PORT/graphql
// Exits 1 when any MUST or SHOULD audit fails; MAY audits are reported only.
import { auditServer } from 'graphql-http';

const url = process.argv[2];
const results = await auditServer({ url });
let failed = 0;
for (const r of results) {
  if (r.status === 'ok') continue;
  const required = r.name.startsWith('MUST') || r.name.startsWith('SHOULD');
  if (required) failed += 1;
  console.log(`${required ? 'FAIL' : 'note'} ${r.id} ${r.name}: ${r.reason}`);
}
console.log(JSON.stringify({ audits: results.length, ok: results.filter((r) => r.status === 'ok').length, failedRequired: failed }));
process.exit(failed ? 1 : 0);
