// Starts GraphiQL on /graphql with the "API token" field as its Authorization header.
// Served as its own file so the page's Content-Security-Policy can forbid inline scripts.
(function () {
  'use strict';

  var TOKEN_KEY = 'seatkeeper.graphiql.token';
  var tokenInput = document.getElementById('token');
  var container = document.getElementById('graphiql');

  // GraphiQL's dialogs add one <style> element (react-remove-scroll-bar), stamped with this
  // global: the page's policy allows inline styles only with the response's nonce.
  var nonce = document.querySelector('meta[name="csp-nonce"]');
  window.__webpack_nonce__ = nonce ? nonce.content : undefined;

  // Enter in the field must not submit it anywhere (the policy's form-action forbids it too).
  document.getElementById('token-form').addEventListener('submit', function (event) {
    event.preventDefault();
  });

  if (typeof GraphiQL === 'undefined' || typeof ReactDOM === 'undefined') {
    container.textContent = 'GraphiQL failed to load: see the browser console.';
    return;
  }

  // sessionStorage: the token survives a reload of this tab, never the browser's exit.
  function readStoredToken() {
    try {
      return window.sessionStorage.getItem(TOKEN_KEY) || '';
    } catch (e) {
      return '';
    }
  }

  function storeToken(token) {
    try {
      if (token) {
        window.sessionStorage.setItem(TOKEN_KEY, token);
      } else {
        window.sessionStorage.removeItem(TOKEN_KEY);
      }
    } catch (e) {
      // Storage disabled: the field still works for this page.
    }
  }

  tokenInput.value = readStoredToken();

  var url = new URL('/graphql', window.location.href);
  var wsUrl = new URL(url.href);
  wsUrl.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  var base = GraphiQL.createFetcher({ url: url.href, subscriptionUrl: wsUrl.href });

  // The field's token, unless the headers editor sets Authorization itself. The same
  // object is the connection_init payload of a subscription, which the server reads as
  // {"authorization": "Bearer <token>"}.
  function withToken(headers) {
    var merged = {};
    var token = tokenInput.value.trim();
    var own = headers && typeof headers === 'object' ? headers : {};
    var explicit = Object.keys(own).some(function (k) {
      return k.toLowerCase() === 'authorization';
    });
    if (token && !explicit) {
      merged.authorization = 'Bearer ' + token;
    }
    Object.keys(own).forEach(function (k) {
      merged[k] = own[k];
    });
    return merged;
  }

  var NO_TOKEN = {
    errors: [{ message: 'Type an API token into the “API token” field above to load the schema.' }],
  };

  // A new function per token: GraphiQL fetches the schema again when its fetcher changes.
  function makeFetcher() {
    return function (params, opts) {
      var headers = withToken(opts && opts.headers);
      var anonymous = !Object.keys(headers).some(function (k) {
        return k.toLowerCase() === 'authorization';
      });
      // Without a token the server can only answer 401: say what to do instead.
      if (anonymous && params.operationName === 'IntrospectionQuery') {
        return Promise.resolve(NO_TOKEN);
      }
      return base(params, Object.assign({}, opts, { headers: headers }));
    };
  }

  var root = ReactDOM.createRoot(container);

  function render() {
    root.render(
      React.createElement(GraphiQL, {
        fetcher: makeFetcher(),
        defaultQuery: '{ viewer { role } }\n',
        isHeadersEditorEnabled: true,
        shouldPersistHeaders: false,
      })
    );
  }

  var pending = null;
  tokenInput.addEventListener('input', function () {
    storeToken(tokenInput.value.trim());
    window.clearTimeout(pending);
    pending = window.setTimeout(render, 500);
  });

  render();
})();
