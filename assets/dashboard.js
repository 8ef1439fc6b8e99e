// The Adbridge live dashboard: an example client of the public API, with no build step
// (Preact + htm + the graphql-ws browser build, all served by the API itself).
//
// What a frontend team can copy from it:
// - Queries and mutations are plain `fetch` POSTs to /graphql with `Authorization: Bearer`.
// - One websocket, authenticated in `connection_init`, carries `myOrderEvents`: every event of
//   every order of the viewer. Each event re-reads its order (the viewer's `availableActions`
//   and unread count depend on who asks), so the list never drifts from the server.
// - The feed remembers the `cursor` of the last event it received. When the socket drops, it
//   reconnects with backoff and subscribes again with `after: <that cursor>`: the server replays
//   what was missed, then goes on live: no gap, no duplicate.
// - The feed is opened before the list is read, so a change made while the page loads arrives
//   as an event.
// - Admins: `myOrderEvents` carries the orders an account is a party to, so the admin view
//   (held and disputed orders of everyone) re-reads its list every 3 s.
(function () {
  'use strict';
  var h = preact.h;
  var render = preact.render;
  var useState = preactHooks.useState;
  var useEffect = preactHooks.useEffect;
  var useRef = preactHooks.useRef;
  var html = htm.bind(h);

  var root = document.getElementById('app');
  var ENDPOINT = new URL(root.dataset.endpoint, window.location.href).toString();
  var WS_URL = (function () {
    var u = new URL(root.dataset.subscriptionEndpoint, window.location.href);
    u.protocol = window.location.protocol === 'https:' ? 'wss:' : 'ws:';
    return u.toString();
  })();
  var TOKEN_KEY = 'adbridge.dashboard.token';

  // ---- The API over HTTP -------------------------------------------------------------------

  var ORDER_FIELDS =
    'id status brief price { amountMinor currency } unreadCount availableActions ' +
    'deadlines { kind dueAt description } advertiser { displayName } influencer { displayName } updatedAt';
  var ME = 'query Me { me { id displayName email role unreadMessagesCount } }';
  var ORDERS = 'query Orders($filter: OrdersFilter) { myOrders(filter: $filter, first: 100) { edges { node { ' + ORDER_FIELDS + ' } } } }';
  var ORDER = 'query Order($id: ID!) { order(id: $id) { ' + ORDER_FIELDS + ' } }';
  var CONVERSATION =
    'query Conversation($id: ID!) { order(id: $id) { id messages(last: 50) { edges { node { id body createdAt mine author { displayName } } } } } }';
  var EVENTS =
    'subscription Dashboard($after: String) { myOrderEvents(after: $after) { cursor orderId seq kind fromStatus toStatus actor { displayName } createdAt } }';
  // Admins watch the orders that need them.
  var ADMIN_STATUSES = ['ON_HOLD', 'DISPUTED'];

  function gql(token, query, variables) {
    var headers = { 'Content-Type': 'application/json', Accept: 'application/graphql-response+json, application/json' };
    if (token) headers.Authorization = 'Bearer ' + token;
    return fetch(ENDPOINT, { method: 'POST', headers: headers, body: JSON.stringify({ query: query, variables: variables || {} }) })
      .then(function (res) { return res.json(); })
      .then(function (body) {
        if (body.errors && body.errors.length) {
          var err = new Error(body.errors.map(function (e) { return e.message; }).join('; '));
          err.code = body.errors[0].extensions && body.errors[0].extensions.code;
          throw err;
        }
        return body.data;
      });
  }

  // Every move of the state machine a viewer can be offered, and the mutation that makes it.
  var ACTIONS = {
    ACCEPT: { label: 'Accept', field: 'acceptOrder', input: 'OrderActionInput' },
    DECLINE: { label: 'Decline', field: 'declineOrder', input: 'OrderReasonInput', reason: true },
    CANCEL: { label: 'Cancel', field: 'cancelOrder', input: 'OrderReasonInput', reason: true },
    PAY: { label: 'Pay', field: 'payOrder', input: 'PayOrderInput', payload: 'payment { id status }' },
    START_WORK: { label: 'Start work', field: 'startWork', input: 'OrderActionInput' },
    COMPLETE: { label: 'Complete', field: 'completeOrder', input: 'CompleteOrderInput', proof: true },
    VERIFY: { label: 'Verify', field: 'verifyDelivery', input: 'OrderActionInput' },
    DISPUTE: { label: 'Dispute', field: 'disputeOrder', input: 'OrderReasonInput', reason: true },
    REWORK: { label: 'Rework', field: 'reworkOrder', input: 'OrderActionInput' },
    ESCALATE: { label: 'Escalate', field: 'escalateOrder', input: 'OrderActionInput' },
    HOLD: { label: 'Hold', field: 'holdOrder', input: 'OrderReasonInput', reason: true },
    RELEASE: { label: 'Release', field: 'resolveOrder', input: 'ResolveOrderInput', extra: { resolution: 'RELEASE' } },
    REFUND: { label: 'Refund', field: 'resolveOrder', input: 'ResolveOrderInput', extra: { resolution: 'REFUND' } },
  };

  function runAction(token, orderId, action, form) {
    var spec = ACTIONS[action];
    var input = Object.assign({ orderId: orderId }, spec.extra || {});
    if (spec.reason) input.reason = form.reason;
    if (spec.proof) {
      input.proofs = [{ kind: 'LINK', url: form.url }];
      input.note = form.note;
    }
    // Retrying a payment with the same key gives back the same payment, never a second one.
    if (action === 'PAY') input.idempotencyKey = 'dashboard-' + orderId + '-' + Date.now();
    var query = 'mutation($input: ' + spec.input + '!) { ' + spec.field + '(input: $input) { ' + (spec.payload || 'order { id status }') + ' } }';
    return gql(token, query, { input: input });
  }

  // ---- The live feed -----------------------------------------------------------------------

  // One websocket with one subscription; resumes after its last cursor on every reconnect.
  function Feed(token, onEvent, onState, onResume) {
    this.token = token;
    this.onEvent = onEvent;
    this.onState = onState;
    this.onResume = onResume; // after a reconnection: re-read what HTTP calls may have missed
    this.cursor = null; // the last event received
    this.attempt = 0;
    this.client = null;
    this.socket = null;
    this.stopped = false;
    this.received = []; // every event as it arrived: { cursor, orderId, seq, kind, connection }
    this.subscriptions = []; // every subscribe: { connection, after }
  }

  Feed.prototype.start = function () {
    var self = this;
    var connection = this.subscriptions.length + 1;
    var after = this.cursor;
    this.onState('connecting');
    var client = graphqlWs.createClient({
      url: WS_URL,
      connectionParams: { Authorization: 'Bearer ' + this.token },
      lazy: false,
      retryAttempts: 0, // reconnecting is ours: it must resubscribe from the newest cursor
      keepAlive: 10000,
      onNonLazyError: function () {}, // a failed connection is reported by `closed` below
      on: {
        connected: function (socket) {
          if (self.client !== client) return;
          self.socket = socket;
          self.attempt = 0;
          self.onState('live');
          if (connection > 1) self.onResume();
        },
        closed: function () { self.dropped(client); },
        error: function () { self.dropped(client); },
      },
    });
    this.client = client;
    this.subscriptions.push({ connection: connection, after: after });
    client.subscribe({ query: EVENTS, variables: { after: after } }, {
      next: function (result) {
        if (self.client !== client) return;
        if (result.errors) return self.onState('error: ' + result.errors[0].message);
        var ev = result.data.myOrderEvents;
        self.cursor = ev.cursor;
        self.received.push({ cursor: ev.cursor, orderId: ev.orderId, seq: ev.seq, kind: ev.kind, connection: connection });
        self.onEvent(ev);
      },
      error: function () { self.dropped(client); },
      complete: function () { self.dropped(client); },
    });
  };

  Feed.prototype.dropped = function (client) {
    if (this.stopped || this.client !== client) return;
    this.client = null;
    this.socket = null;
    dispose(client);
    this.onState('offline');
    // Exponential backoff with jitter, so a restarted server is not hit by every tab at once.
    var delay = Math.min(10000, 250 * Math.pow(2, this.attempt++)) * (0.5 + Math.random() / 2);
    var self = this;
    this.timer = setTimeout(function () { self.start(); }, delay);
  };

  // Cuts the socket as a network failure would (the resume path can be tried from the console:
  // `adbridgeDashboard.feed.dropConnection()`); the feed reconnects by itself.
  Feed.prototype.dropConnection = function () {
    if (this.socket) this.socket.close(4000, 'dropped by hand');
  };

  Feed.prototype.stop = function () {
    this.stopped = true;
    clearTimeout(this.timer);
    if (this.client) dispose(this.client);
  };

  // graphql-ws's dispose() awaits the connection attempt, so it rejects when that failed.
  function dispose(client) {
    Promise.resolve(client.dispose()).catch(function () {});
  }

  // ---- The views ---------------------------------------------------------------------------

  function money(p) {
    return (p.amountMinor / 100).toFixed(2) + ' ' + p.currency;
  }

  function when(iso) {
    var d = new Date(iso);
    return d.toLocaleString();
  }

  function Login(props) {
    var s = useState({ email: '', password: '', error: null, busy: false });
    var state = s[0];
    var set = s[1];
    function submit(e) {
      e.preventDefault();
      set(Object.assign({}, state, { busy: true, error: null }));
      gql(null, 'mutation($i: LogInInput!) { logIn(input: $i) { token } }', { i: { email: state.email, password: state.password } })
        .then(function (d) { props.onToken(d.logIn.token); })
        .catch(function (err) { set(Object.assign({}, state, { busy: false, error: err.message })); });
    }
    function field(name) {
      return function (e) { var next = Object.assign({}, state); next[name] = e.target.value; set(next); };
    }
    return html`<form class="login" onSubmit=${submit}>
      <h1>Adbridge dashboard</h1>
      <p>Log in as an advertiser, an influencer or an admin to follow your orders live.</p>
      <label>Email <input name="email" type="email" autocomplete="username" value=${state.email} onInput=${field('email')} required /></label>
      <label>Password <input name="password" type="password" autocomplete="current-password" value=${state.password} onInput=${field('password')} required /></label>
      <button type="submit" disabled=${state.busy}>Log in</button>
      ${state.error && html`<p class="error" role="alert">${state.error}</p>`}
    </form>`;
  }

  function ActionButtons(props) {
    var s = useState(null); // the action whose form is open
    var open = s[0];
    var setOpen = s[1];
    var f = useState({ reason: '', url: '', note: '' });
    var form = f[0];
    var setForm = f[1];
    var order = props.order;
    function go(action) {
      var spec = ACTIONS[action];
      if ((spec.reason || spec.proof) && open !== action) return setOpen(action);
      // A refused action is shown by the dashboard; the form stays open to try again.
      props.onAction(order.id, action, form).then(function () { setOpen(null); }, function () {});
    }
    function field(name) {
      return function (e) { var next = Object.assign({}, form); next[name] = e.target.value; setForm(next); };
    }
    var spec = open && ACTIONS[open];
    return html`<div class="actions">
      ${order.availableActions.filter(function (a) { return ACTIONS[a]; }).map(function (a) {
        return html`<button type="button" data-action=${a} onClick=${function (e) { e.stopPropagation(); go(a); }}>${ACTIONS[a].label}</button>`;
      })}
      ${spec && html`<form class="action-form" onClick=${function (e) { e.stopPropagation(); }} onSubmit=${function (e) { e.preventDefault(); go(open); }}>
        ${spec.reason && html`<input placeholder="Reason" value=${form.reason} onInput=${field('reason')} required />`}
        ${spec.proof && html`<input placeholder="Link to the published content" type="url" value=${form.url} onInput=${field('url')} required />
          <input placeholder="Note for the advertiser" value=${form.note} onInput=${field('note')} required />`}
        <button type="submit">${spec.label}</button>
      </form>`}
    </div>`;
  }

  function OrderRow(props) {
    var o = props.order;
    var isAdvertiser = props.me.role === 'ADVERTISER';
    var counterpart = isAdvertiser ? o.influencer : o.advertiser;
    return html`<tr data-order-id=${o.id} class=${props.selected ? 'selected' : ''} onClick=${function () { props.onSelect(o.id); }}>
      <td class="brief">${o.brief}</td>
      <td>${props.me.role === 'ADMIN' ? (o.advertiser && o.advertiser.displayName) + ' → ' + (o.influencer && o.influencer.displayName) : counterpart && counterpart.displayName}</td>
      <td>${money(o.price)}</td>
      <td><span class=${'status status-' + o.status} data-status=${o.status}>${o.status.replace(/_/g, ' ')}</span></td>
      <td class="deadlines">${o.deadlines.map(function (d) { return html`<div title=${d.description}>${d.kind.toLowerCase()}: ${when(d.dueAt)}</div>`; })}</td>
      <td>${o.unreadCount > 0 ? html`<span class="unread" data-unread=${o.unreadCount}>${o.unreadCount}</span>` : ''}</td>
      <td><${ActionButtons} order=${o} onAction=${props.onAction} /></td>
    </tr>`;
  }

  function Conversation(props) {
    var s = useState('');
    var draft = s[0];
    var setDraft = s[1];
    var list = useRef(null);
    useEffect(function () { if (list.current) list.current.scrollTop = list.current.scrollHeight; }, [props.messages]);
    function send(e) {
      e.preventDefault();
      var body = draft.trim();
      if (!body) return;
      props.onSend(body).then(function () { setDraft(''); }, function () {});
    }
    return html`<section class="conversation" data-order-id=${props.orderId}>
      <h2>Conversation</h2>
      <ol class="messages" ref=${list}>
        ${props.messages.map(function (m) {
          return html`<li key=${m.id} data-message-id=${m.id} class=${m.mine ? 'mine' : ''}>
            <span class="author">${m.author ? m.author.displayName : 'system'}</span>
            <span class="body">${m.body}</span>
            <time>${when(m.createdAt)}</time>
          </li>`;
        })}
      </ol>
      <form class="send" onSubmit=${send}>
        <input name="message" placeholder="Write a message" value=${draft} onInput=${function (e) { setDraft(e.target.value); }} />
        <button type="submit">Send</button>
      </form>
    </section>`;
  }

  function Dashboard(props) {
    var token = props.token;
    var st = useState({ me: null, orders: [], connection: 'connecting', events: [], error: null, selected: null, messages: [] });
    var state = st[0];
    var setState = st[1];
    // The latest state for callbacks that outlive a render (the feed's).
    var ref = useRef(state);
    ref.current = state;
    function patch(p) {
      setState(function (prev) { var next = Object.assign({}, prev, typeof p === 'function' ? p(prev) : p); ref.current = next; return next; });
    }

    function upsert(order) {
      patch(function (prev) {
        var me = prev.me;
        var keep = order && (!me || me.role !== 'ADMIN' || ADMIN_STATUSES.indexOf(order.status) >= 0);
        var others = prev.orders.filter(function (o) { return !order || o.id !== order.id; });
        var had = prev.orders.some(function (o) { return order && o.id === order.id; });
        if (!keep) return { orders: others };
        var orders = had ? prev.orders.map(function (o) { return o.id === order.id ? order : o; }) : [order].concat(others);
        return { orders: orders };
      });
    }

    function refreshOrder(id) {
      return gql(token, ORDER, { id: id }).then(function (d) {
        if (d.order) upsert(d.order);
        else patch(function (prev) { return { orders: prev.orders.filter(function (o) { return o.id !== id; }) }; });
      });
    }

    function refreshMe() {
      return gql(token, ME).then(function (d) { patch({ me: d.me }); return d.me; });
    }

    function loadConversation(id) {
      return gql(token, CONVERSATION, { id: id }).then(function (d) {
        if (!d.order || ref.current.selected !== id) return;
        var messages = d.order.messages.edges.map(function (e) { return e.node; });
        patch({ messages: messages });
        var last = messages[messages.length - 1];
        // Reading the conversation marks it read (the cursor only moves forward).
        if (last) {
          return gql(token, 'mutation($i: MarkMessagesReadInput!) { markMessagesRead(input: $i) { unreadCount } }', { i: { orderId: id, upTo: last.id } })
            .then(function () { return Promise.all([refreshOrder(id), refreshMe()]); });
        }
      });
    }

    function report(err) {
      patch({ error: err.message });
    }

    function onEvent(ev) {
      patch(function (prev) { return { events: [ev].concat(prev.events).slice(0, 50) }; });
      refreshOrder(ev.orderId).catch(report);
      if (ev.kind === 'MESSAGE_POSTED') {
        if (ref.current.selected === ev.orderId) loadConversation(ev.orderId).catch(report);
        else refreshMe().catch(report);
      }
    }

    // Missed events come back through the feed; a read that failed while the network was down
    // does not, so the list, the counts and the open conversation are read again.
    var reload = useRef(null);
    function onResume() {
      if (reload.current) reload.current().then(function () { patch({ error: null }); }, report);
    }

    useEffect(function () {
      var feed = new Feed(token, onEvent, function (c) { patch({ connection: c }); }, onResume);
      window.adbridgeDashboard = { feed: feed };
      feed.start();
      var poll = null;
      function loadOrders(me) {
        var filter = me.role === 'ADMIN' ? { statuses: ADMIN_STATUSES } : null;
        return gql(token, ORDERS, { filter: filter }).then(function (d) {
          patch({ orders: d.myOrders.edges.map(function (e) { return e.node; }) });
        });
      }
      function failed(err) {
        if (err.code === 'UNAUTHENTICATED') props.onLogout();
        else patch({ error: err.message });
      }
      refreshMe()
        .then(function (me) {
          if (!me) throw Object.assign(new Error('the session has ended'), { code: 'UNAUTHENTICATED' });
          // myOrderEvents carries the orders an account is a party to; an admin watches other
          // people's orders, so the admin view re-reads the held and disputed ones every 3 s.
          if (me.role === 'ADMIN') poll = setInterval(function () { loadOrders(me).catch(failed); }, 3000);
          reload.current = function () {
            var open = ref.current.selected;
            return Promise.all([loadOrders(me), refreshMe(), open ? loadConversation(open) : null]);
          };
          return loadOrders(me);
        })
        .catch(failed);
      return function () { feed.stop(); clearInterval(poll); };
    }, [token]);

    function select(id) {
      patch({ selected: id, messages: [] });
      ref.current.selected = id;
      loadConversation(id).catch(function (err) { patch({ error: err.message }); });
    }

    function act(orderId, action, form) {
      patch({ error: null });
      return runAction(token, orderId, action, form)
        .then(function () { return refreshOrder(orderId); })
        .catch(function (err) { patch({ error: (err.code ? err.code + ': ' : '') + err.message }); throw err; });
    }

    function send(body) {
      var id = state.selected;
      return gql(token, 'mutation($i: SendMessageInput!) { sendMessage(input: $i) { message { id } } }', { i: { orderId: id, body: body } })
        .catch(function (err) { patch({ error: err.message }); throw err; });
    }

    function logout() {
      gql(token, 'mutation { logOut { revoked } }').catch(function () {}).then(props.onLogout);
    }

    var me = state.me;
    return html`<div class="dashboard">
      <header>
        <h1>Adbridge</h1>
        <span class=${'connection connection-' + state.connection.split(':')[0]} data-testid="connection" data-state=${state.connection}>${state.connection}</span>
        ${me && html`<span class="me">${me.displayName} · ${me.role.toLowerCase()}${me.unreadMessagesCount ? html` · <b data-testid="unread-total">${me.unreadMessagesCount} unread</b>` : ''}</span>`}
        <button type="button" class="logout" onClick=${logout}>Log out</button>
      </header>
      ${state.error && html`<p class="error" role="alert">${state.error}</p>`}
      <main>
        <section class="orders">
          <h2>${me && me.role === 'ADMIN' ? 'Held and disputed orders' : 'My orders'}</h2>
          ${state.orders.length === 0 ? html`<p class="empty">No orders yet.</p>` : html`<table>
            <thead><tr><th>Brief</th><th>${me && me.role === 'ADMIN' ? 'Parties' : me && me.role === 'ADVERTISER' ? 'Influencer' : 'Advertiser'}</th><th>Price</th><th>Status</th><th>Deadlines</th><th>Unread</th><th>Actions</th></tr></thead>
            <tbody>${state.orders.map(function (o) {
              return html`<${OrderRow} key=${o.id} order=${o} me=${me} selected=${state.selected === o.id} onSelect=${select} onAction=${act} />`;
            })}</tbody>
          </table>`}
        </section>
        <aside>
          ${state.selected && html`<${Conversation} orderId=${state.selected} messages=${state.messages} onSend=${send} />`}
          <section class="events">
            <h2>Live events</h2>
            <ol>${state.events.map(function (ev) {
              return html`<li key=${ev.cursor} data-cursor=${ev.cursor}>
                <time>${new Date(ev.createdAt).toLocaleTimeString()}</time>
                <b>${ev.kind.replace(/_/g, ' ').toLowerCase()}</b>
                ${ev.toStatus ? ' → ' + ev.toStatus.replace(/_/g, ' ') : ''}
                ${ev.actor ? html` <span class="actor">by ${ev.actor.displayName}</span>` : ''}
              </li>`;
            })}</ol>
          </section>
        </aside>
      </main>
    </div>`;
  }

  function App() {
    var s = useState(function () { return window.localStorage.getItem(TOKEN_KEY); });
    var token = s[0];
    var setToken = s[1];
    function onToken(t) {
      window.localStorage.setItem(TOKEN_KEY, t);
      setToken(t);
    }
    function onLogout() {
      window.localStorage.removeItem(TOKEN_KEY);
      setToken(null);
    }
    return token ? html`<${Dashboard} token=${token} onLogout=${onLogout} />` : html`<${Login} onToken=${onToken} />`;
  }

  root.textContent = '';
  render(html`<${App} />`, root);
})();
