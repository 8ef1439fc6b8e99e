// Drives Debian's chromium (through playwright-core, which downloads no browser) against a
// running server: the GraphiQL playground, then the live dashboard as an advertiser, an
// influencer and an admin. Every step prints `ok <step>`; any failure exits non-zero.
// Every request the pages make must go to the server, and no Content-Security-Policy
// violation or page error may happen.
// Usage: node browser.mjs SETUP_JSON SCREENSHOT_DIR [CHROMIUM_PATH]
//   SETUP_JSON: { base, password, advertiser: {email, token}, influencer: {email, token},
//                 admin: {email, token}, adSpaceId, orderId }
import { chromium } from 'playwright-core';

const setup = JSON.parse(process.argv[2]);
const shots = process.argv[3];
const base = setup.base;
const wsBase = base.replace(/^http/, 'ws');
const executablePath = process.argv[4] || '/usr/bin/chromium';

const failures = [];
const pages = []; // every page, for a screenshot of each when something fails
const requests = [];
const step = (name) => console.log(`ok ${name}`);
const fail = (msg) => {
  throw new Error(msg);
};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Another client: plain HTTP calls to the API, as a second app or a script would make them.
async function api(token, query, variables = {}) {
  const res = await fetch(`${base}/graphql`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = await res.json();
  if (body.errors) fail(`API error: ${JSON.stringify(body.errors)}`);
  return body.data;
}

const browser = await chromium.launch({ executablePath, args: ['--no-sandbox'], timeout: 60000 });
const watchdog = setTimeout(() => {
  console.error('the browser test did not finish within 150 s');
  process.exit(1);
}, 150000);

async function newContext() {
  const context = await browser.newContext({ viewport: { width: 1400, height: 860 } });
  context.on('request', (r) => requests.push(r.url()));
  // Runs before the page's scripts (injected by the driver, so the page's CSP does not apply).
  await context.addInitScript(() => {
    window.__violations = [];
    document.addEventListener('securitypolicyviolation', (e) =>
      window.__violations.push(`${e.violatedDirective} ${e.blockedURI} ${e.sample || ''}`),
    );
  });
  return context;
}

function watch(page, name) {
  pages.push([page, name]);
  page.on('pageerror', (e) => failures.push(`${name}: page error: ${e.message}`));
  page.on('console', (m) => {
    // While the test holds the network down, the browser logs each refused reconnection.
    const offline = m.text().includes('net::ERR_INTERNET_DISCONNECTED');
    if (m.type() === 'error' && !offline) failures.push(`${name}: console error: ${m.text()}`);
  });
  page.on('websocket', (ws) => requests.push(ws.url()));
}

async function checkPage(page, name) {
  const violations = await page.evaluate(() => window.__violations);
  if (violations.length) failures.push(`${name}: CSP violations: ${violations.join(' | ')}`);
}

try {
  // ---- GraphiQL ----------------------------------------------------------------------------
  const gctx = await newContext();
  const gp = await gctx.newPage();
  watch(gp, 'graphiql');
  const t0 = Date.now();
  await gp.goto(`${base}/`);
  await gp.waitForSelector('.graphiql-container', { timeout: 20000 });
  step(`graphiql loads (${Date.now() - t0} ms)`);

  // The docs explorer, from introspection: Query lists adSpaces.
  await gp.click('[aria-label="Show Documentation Explorer"]');
  await gp.locator('.graphiql-doc-explorer a.graphiql-doc-explorer-type-name', { hasText: /^Query$/ }).first().click({ timeout: 20000 });
  await gp.locator('.graphiql-doc-explorer', { hasText: 'adSpaces' }).waitFor({ timeout: 10000 });
  step('the docs explorer lists Query.adSpaces');

  // A query typed in the editor returns data.
  async function setEditor(selector, text) {
    await gp.click(`${selector} .CodeMirror`);
    await gp.keyboard.press('Control+A');
    await gp.keyboard.press('Delete');
    await gp.keyboard.insertText(text);
  }
  await setEditor('.graphiql-query-editor', '{ adSpaces(first: 5, sort: NEWEST) { edges { node { id title } } } }');
  await gp.click('.graphiql-execute-button');
  await gp.locator('.graphiql-response', { hasText: 'Sponsored reel' }).waitFor({ timeout: 10000 });
  step('a query typed in the editor returns data');

  // A subscription run as the Headers tab's user shows an event caused by another client.
  await gp.click('.graphiql-editor-tools button:has-text("Headers")');
  await setEditor('.graphiql-editor-tool .graphiql-editor:not(.hidden)', JSON.stringify({ Authorization: `Bearer ${setup.advertiser.token}` }));
  await setEditor(
    '.graphiql-query-editor',
    `subscription Live {\n  orderEvents(orderId: "${setup.orderId}") {\n    cursor\n    kind\n    actor { displayName }\n    details\n    createdAt\n  }\n}\n`,
  );
  // GraphiQL re-parses the editor after a short pause; the tab takes the operation's name then.
  await gp.locator('.graphiql-tab', { hasText: 'Live' }).waitFor({ timeout: 5000 });
  await sleep(300);
  await gp.click('.graphiql-execute-button');
  // Live, not replayed: another client writes until one of its messages shows up.
  let seen = false;
  for (let i = 0; i < 30 && !seen; i++) {
    await api(setup.influencer.token, 'mutation($i: SendMessageInput!) { sendMessage(input: $i) { message { id } } }', {
      i: { orderId: setup.orderId, body: `hello from another client #${i}` },
    });
    seen = await gp
      .locator('.graphiql-response', { hasText: 'MESSAGE_POSTED' })
      .waitFor({ timeout: 500 })
      .then(() => true, () => false);
  }
  if (!seen) fail('the subscription in GraphiQL showed no event');
  step('a subscription in GraphiQL shows an event caused by another client');
  await gp.screenshot({ path: `${shots}/graphiql.png` });
  // The dialogs (and the history and explorer panes) render without a CSP violation too.
  for (const label of ['Open settings dialog', 'Open short keys dialog']) {
    await gp.click(`[aria-label="${label}"]`);
    await gp.locator('[role=dialog]').waitFor({ timeout: 5000 });
    await gp.keyboard.press('Escape');
    await gp.locator('[role=dialog]').waitFor({ state: 'detached', timeout: 5000 });
  }
  await gp.click('[aria-label="Show History"]');
  await gp.click('[aria-label="Show GraphiQL Explorer"]');
  await gp.locator('.graphiql-explorer-root', { hasText: 'adSpaces' }).first().waitFor({ timeout: 5000 });
  step('the settings and shortcut dialogs and the explorer plugin open');
  await checkPage(gp, 'graphiql');

  // ---- The dashboard -----------------------------------------------------------------------
  async function dashboardAs(who, name) {
    const context = await newContext();
    const page = await context.newPage();
    watch(page, name);
    await page.goto(`${base}/dashboard`);
    await page.fill('input[name=email]', who.email);
    await page.fill('input[name=password]', setup.password);
    await page.click('button[type=submit]');
    await page.locator('[data-testid=connection][data-state=live]').waitFor({ timeout: 15000 });
    return { context, page };
  }
  const adv = await dashboardAs(setup.advertiser, 'advertiser');
  const inf = await dashboardAs(setup.influencer, 'influencer');
  step('advertiser and influencer log in; both feeds are live');

  // An order placed through the API appears live for the influencer.
  const placed = await api(
    setup.advertiser.token,
    'mutation($i: PlaceOrderInput!) { placeOrder(input: $i) { order { id } } }',
    { i: { adSpaceId: setup.adSpaceId, brief: 'Launch video for our spring collection', firstMessage: 'Hi! Can you do it by Friday?' } },
  );
  const orderId = placed.placeOrder.order.id;
  const infRow = inf.page.locator(`tr[data-order-id="${orderId}"]`);
  await infRow.locator('[data-status=PENDING]').waitFor({ timeout: 5000 });
  await infRow.locator('[data-unread="1"]').waitFor({ timeout: 5000 });
  step('an order placed through the API appears live for the influencer, with its unread message');

  // Accepting it in the influencer's dashboard changes the advertiser's view within 2 s.
  const advRow = adv.page.locator(`tr[data-order-id="${orderId}"]`);
  await advRow.locator('[data-status=PENDING]').waitFor({ timeout: 5000 });
  await infRow.locator('button[data-action=ACCEPT]').click();
  const clicked = Date.now();
  await advRow.locator('[data-status=PAYMENT_REQUIRED]').waitFor({ timeout: 2000 });
  const took = Date.now() - clicked;
  await advRow.locator('button[data-action=PAY]').waitFor({ timeout: 2000 });
  step(`accepting in the influencer's dashboard changes the advertiser's view in ${took} ms`);

  // The conversation: opening it marks it read; a message from the other side arrives live.
  await infRow.click();
  await inf.page.locator('.conversation li', { hasText: 'Can you do it by Friday?' }).waitFor({ timeout: 5000 });
  await infRow.locator('[data-unread]').waitFor({ state: 'detached', timeout: 5000 });
  await advRow.click();
  await inf.page.fill('.send input', 'Yes, Friday works.');
  await inf.page.click('.send button');
  await adv.page.locator('.conversation li', { hasText: 'Yes, Friday works.' }).waitFor({ timeout: 5000 });
  step('the conversation is read and updated live');

  // Cut the advertiser's socket (and the network), make changes, restore: exactly the missed
  // events are replayed, in order, on the new connection.
  const before = await adv.page.evaluate(() => ({ cursor: adbridgeDashboard.feed.cursor, n: adbridgeDashboard.feed.received.length }));
  await adv.context.setOffline(true);
  await adv.page.evaluate(() => adbridgeDashboard.feed.dropConnection());
  await adv.page.locator('[data-testid=connection]:not([data-state=live])').waitFor({ timeout: 5000 });
  const missed = ['First, while you were away', 'Second, while you were away', 'Third, while you were away'];
  for (const body of missed) {
    await api(setup.influencer.token, 'mutation($i: SendMessageInput!) { sendMessage(input: $i) { message { id } } }', { i: { orderId, body } });
  }
  await api(setup.influencer.token, 'mutation($i: OrderReasonInput!) { cancelOrder(input: $i) { order { id } } }', {
    i: { orderId, reason: 'Schedule changed' },
  });
  await sleep(1500);
  const during = await adv.page.evaluate(() => ({ n: adbridgeDashboard.feed.received.length, state: document.querySelector('[data-testid=connection]').dataset.state }));
  if (during.n !== before.n || during.state === 'live') fail(`the page was not cut off: ${JSON.stringify(during)}`);
  await adv.context.setOffline(false);
  await advRow.locator('[data-status=CANCELLED]').waitFor({ timeout: 15000 });
  await sleep(1000); // anything duplicated would arrive by now
  const after = await adv.page.evaluate(() => ({ received: adbridgeDashboard.feed.received, subscriptions: adbridgeDashboard.feed.subscriptions }));
  const fresh = after.received.slice(before.n);
  const server = await api(setup.advertiser.token, 'query($id: ID!) { order(id: $id) { events { cursor seq kind } } }', { id: orderId });
  const lastSeen = server.order.events.findIndex((e) => e.cursor === before.cursor);
  const expected = server.order.events.slice(lastSeen + 1).map((e) => `${e.seq}:${e.kind}`);
  const got = fresh.map((e) => `${e.seq}:${e.kind}`);
  if (lastSeen < 0) fail(`the last cursor seen before the cut is not one of the order's events`);
  if (JSON.stringify(got) !== JSON.stringify(expected)) fail(`replayed ${JSON.stringify(got)}, expected ${JSON.stringify(expected)}`);
  const resumed = after.subscriptions[after.subscriptions.length - 1];
  if (resumed.after !== before.cursor || after.subscriptions.length < 2) fail(`resubscribed with ${JSON.stringify(after.subscriptions)}`);
  if (fresh.some((e) => e.connection !== resumed.connection)) fail(`some events did not come through the new connection: ${JSON.stringify(fresh)}`);
  const cursors = after.received.map((e) => e.cursor);
  if (new Set(cursors).size !== cursors.length) fail(`duplicate events: ${JSON.stringify(cursors)}`);
  await adv.page.locator('.conversation li', { hasText: 'Third, while you were away' }).waitFor({ timeout: 5000 });
  step(`after a cut, the dashboard resumes from its cursor: ${got.length} missed events replayed exactly (${got.join(', ')})`);

  // Admins see held and disputed orders, live.
  const second = await api(
    setup.advertiser.token,
    'mutation($i: PlaceOrderInput!) { placeOrder(input: $i) { order { id } } }',
    { i: { adSpaceId: setup.adSpaceId, brief: 'Unboxing story, three frames' } },
  );
  const secondId = second.placeOrder.order.id;
  const admin = await dashboardAs(setup.admin, 'admin');
  const adminRow = admin.page.locator(`tr[data-order-id="${secondId}"]`);
  if ((await adminRow.count()) !== 0) fail('the admin sees an order that is neither held nor disputed');
  await api(setup.admin.token, 'mutation($i: OrderReasonInput!) { holdOrder(input: $i) { order { id } } }', {
    i: { orderId: secondId, reason: 'Brief under review' },
  });
  await adminRow.locator('[data-status=ON_HOLD]').waitFor({ timeout: 6000 });
  await adminRow.locator('button[data-action=RELEASE], button[data-action=REFUND]').first().waitFor({ timeout: 5000 });
  step('an admin sees a held order appear, with its resolutions');

  await adv.page.screenshot({ path: `${shots}/dashboard.png` });
  for (const [p, name] of [[adv.page, 'advertiser'], [inf.page, 'influencer'], [admin.page, 'admin']]) await checkPage(p, name);

  // Nothing left the server.
  const foreign = requests.filter((u) => !u.startsWith(`${base}/`) && !u.startsWith(`${wsBase}/`));
  if (foreign.length) fail(`requests left the server: ${foreign.join(', ')}`);
  step(`all ${requests.length} requests went to the server`);
  if (failures.length) fail(failures.join('\n'));
  console.log('browser tests passed');
} catch (e) {
  console.error(e.stack || String(e));
  if (failures.length) console.error(failures.join('\n'));
  for (const [page, name] of pages) await page.screenshot({ path: `${shots}/failed-${name}.png` }).catch(() => {});
  console.error(`screenshots of every page: ${shots}/failed-*.png`);
  process.exitCode = 1;
} finally {
  clearTimeout(watchdog);
  await browser.close();
}
