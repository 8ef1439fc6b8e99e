// Starts GraphiQL on the page's #graphiql element. The page has no inline script (its
// Content-Security-Policy forbids it), so the settings come from the element's data- attributes.
// The fetcher sends queries and mutations over HTTP and subscriptions over the websocket; it puts
// the Headers tab's headers into the websocket's connection_init payload, so a subscription runs
// as the user whose `Authorization` the Headers tab holds.
(function () {
  'use strict';
  var root = document.getElementById('graphiql');
  var endpoint = new URL(root.dataset.endpoint, window.location.href);
  var subscriptions = new URL(root.dataset.subscriptionEndpoint, window.location.href);
  subscriptions.protocol = window.location.protocol === 'https:' ? 'wss:' : 'ws:';

  var fetcher = GraphiQL.createFetcher({ url: endpoint.toString(), subscriptionUrl: subscriptions.toString() });
  var props = {
    fetcher: fetcher,
    plugins: [GraphiQLPluginExplorer.explorerPlugin()],
    defaultEditorToolsVisibility: true,
    defaultQuery: [
      '# Welcome to the Adbridge API.',
      '#',
      '# Sign up or log in with a mutation (signUp, logIn), put the token in the Headers tab as',
      '#   {"Authorization": "Bearer <token>"}',
      '# and queries, mutations and subscriptions run as you. The docs (book icon) and the',
      '# explorer (compass) list every field.',
      '',
      '{',
      '  adSpaces(first: 5, sort: NEWEST) {',
      '    edges { node { id title price { amountMinor currency } influencer { displayName } } }',
      '  }',
      '}',
      '',
    ].join('\n'),
  };
  // With introspection turned off on the server, GraphiQL still runs queries, without docs.
  if (root.dataset.introspection === 'off') props.schema = null;
  ReactDOM.createRoot(root).render(React.createElement(GraphiQL, props));
})();
