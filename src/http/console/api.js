// The console's only way to the server: the public GraphQL API on /graphql, over HTTP for
// queries and mutations and over WebSocket (graphql-transport-ws) for subscriptions.
// The API token lives in sessionStorage: a reload of the tab keeps it, closing the browser
// does not.
(function () {
  'use strict';

  var TOKEN_KEY = 'seatkeeper.console.token';
  var SK = (window.SK = window.SK || {});

  function readToken() {
    try {
      return window.sessionStorage.getItem(TOKEN_KEY) || '';
    } catch (e) {
      return memoryToken;
    }
  }
  var memoryToken = '';

  function storeToken(token) {
    memoryToken = token || '';
    try {
      if (token) {
        window.sessionStorage.setItem(TOKEN_KEY, token);
      } else {
        window.sessionStorage.removeItem(TOKEN_KEY);
      }
    } catch (e) {
      // Storage disabled: the token lasts for this page only.
    }
  }

  // An error the API answered, with its extensions.code (UNAUTHENTICATED, FORBIDDEN,
  // BAD_USER_INPUT, …), or NETWORK when the server could not be reached.
  function ApiError(code, message, field) {
    this.code = code;
    this.message = message;
    this.field = field || null;
  }
  ApiError.prototype.toString = function () {
    return this.message;
  };

  // The token stopped working (revoked, or never valid): every view is left for sign-in.
  function signedOut(message) {
    storeToken('');
    closeSocket();
    window.dispatchEvent(new CustomEvent('sk:signedout', { detail: message }));
  }

  var REVOKED = 'Your API token is no longer accepted (revoked or unknown). Sign in again.';

  function gql(query, variables, token) {
    var auth = token || readToken();
    return fetch('/graphql', {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/graphql-response+json, application/json',
        authorization: 'Bearer ' + auth,
      },
      body: JSON.stringify({ query: query, variables: variables || {} }),
    })
      .catch(function () {
        throw new ApiError('NETWORK', 'The server cannot be reached. Is Seatkeeper running?');
      })
      .then(function (response) {
        return response.json().catch(function () {
          throw new ApiError('NETWORK', 'The server answered ' + response.status + ' without JSON.');
        });
      })
      .then(function (body) {
        var errors = body.errors || [];
        if (errors.length) {
          var first = errors[0];
          var ext = first.extensions || {};
          var error = new ApiError(ext.code || 'ERROR', first.message, ext.field);
          if (error.code === 'UNAUTHENTICATED' && !token) {
            signedOut(REVOKED);
          }
          // A field refused (FORBIDDEN on one part) still leaves data for the rest.
          if (!body.data || ext.code === 'UNAUTHENTICATED') {
            throw error;
          }
          body.data.__errors = errors;
        }
        return body.data;
      });
  }

  // The API answers at most 20 root fields per operation.
  var FIELDS_PER_OPERATION = 18;

  // One field per item, as many to an operation as the API allows: `field('$v3')` writes
  // the field for the item passed as variable $v3 (of GraphQL type `type`). Resolves to
  // the fields' values in the items' order.
  function each(items, type, field, fragments) {
    var chunks = [];
    for (var i = 0; i < items.length; i += FIELDS_PER_OPERATION) {
      chunks.push(items.slice(i, i + FIELDS_PER_OPERATION));
    }
    return Promise.all(chunks.map(function (chunk) {
      var params = [];
      var fields = [];
      var variables = {};
      chunk.forEach(function (item, j) {
        params.push('$v' + j + ': ' + type);
        fields.push('f' + j + ': ' + field('$v' + j));
        variables['v' + j] = item;
      });
      var query = 'query Each(' + params.join(', ') + ') { ' + fields.join(' ') + ' } ' + (fragments || '');
      return gql(query, variables).then(function (data) {
        return chunk.map(function (item, j) {
          return data['f' + j];
        });
      });
    })).then(function (lists) {
      return [].concat.apply([], lists);
    });
  }

  // ---- Subscriptions: one socket shared by every live view, reopened when it drops.
  var socket = null;
  var acked = false;
  var nextId = 1;
  var subs = {};
  var retry = 0;
  var retryTimer = null;

  function send(message) {
    if (socket && socket.readyState === WebSocket.OPEN) {
      socket.send(JSON.stringify(message));
    }
  }

  function startSub(id) {
    var sub = subs[id];
    send({ id: id, type: 'subscribe', payload: { query: sub.query, variables: sub.variables } });
  }

  function openSocket() {
    if (socket || !readToken()) {
      return;
    }
    var url = new URL('/graphql', window.location.href);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    socket = new WebSocket(url.href, 'graphql-transport-ws');
    acked = false;
    socket.onopen = function () {
      send({ type: 'connection_init', payload: { authorization: 'Bearer ' + readToken() } });
    };
    socket.onmessage = function (event) {
      var message;
      try {
        message = JSON.parse(event.data);
      } catch (e) {
        return;
      }
      var sub = message.id ? subs[message.id] : null;
      switch (message.type) {
        case 'connection_ack':
          acked = true;
          retry = 0;
          Object.keys(subs).forEach(startSub);
          break;
        case 'ping':
          send({ type: 'pong' });
          break;
        case 'next':
          if (sub && message.payload) {
            sub.next(message.payload.data, message.payload.errors);
          }
          break;
        case 'error':
          if (sub) {
            delete subs[message.id];
            var first = (message.payload || [])[0] || {};
            sub.error(new ApiError((first.extensions || {}).code || 'ERROR', first.message));
          }
          break;
        case 'complete':
          if (sub) {
            delete subs[message.id];
            sub.complete();
          }
          break;
      }
    };
    socket.onclose = function (event) {
      socket = null;
      acked = false;
      if (event.code === 4403 || event.code === 4401) {
        signedOut(REVOKED);
        return;
      }
      if (Object.keys(subs).length) {
        // Dropped (a restart, the network): reopen with a growing pause, resubscribe.
        retry = Math.min(retry + 1, 6);
        retryTimer = window.setTimeout(function () {
          retryTimer = null;
          openSocket();
        }, 250 * Math.pow(2, retry));
      }
    };
  }

  function closeSocket() {
    subs = {};
    if (retryTimer) {
      window.clearTimeout(retryTimer);
      retryTimer = null;
    }
    if (socket) {
      var s = socket;
      socket = null;
      s.onclose = null;
      s.close(1000, 'done');
    }
  }

  // Calls handlers.next(data) per event; returns a function that ends the subscription.
  function subscribe(query, variables, handlers) {
    var id = String(nextId++);
    subs[id] = {
      query: query,
      variables: variables || {},
      next: handlers.next || function () {},
      error: handlers.error || function () {},
      complete: handlers.complete || function () {},
    };
    if (!socket) {
      openSocket();
    } else if (acked) {
      startSub(id);
    }
    return function () {
      if (subs[id]) {
        delete subs[id];
        send({ id: id, type: 'complete' });
      }
    };
  }

  SK.api = {
    gql: gql,
    each: each,
    subscribe: subscribe,
    token: readToken,
    signIn: storeToken,
    signOut: function () {
      storeToken('');
      closeSocket();
    },
    ApiError: ApiError,
  };
})();
