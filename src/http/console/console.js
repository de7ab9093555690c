// The console's shell: sign-in with an API token, the navigation between the views
// (#/overview, #/idle, #/jobs, #/rules), what the token's roles allow, and a way back to
// sign-in when the token stops working. Each view is in its own file and registers itself
// in SK.views; it renders into <main> and returns a function that stops its live updates.
(function () {
  'use strict';

  var SK = window.SK;
  var h = SK.ui.h;
  var clear = SK.ui.clear;
  var main = document.getElementById('main');
  var top = document.getElementById('top');
  var VIEWER = 'query Viewer { viewer { name role roles } }';
  var ORDER = ['overview', 'idle', 'jobs', 'rules'];
  var ctx = null;
  var stop = null;

  function rolesOf(viewer) {
    var roles = viewer.roles || [];
    var has = function (role) {
      return roles.indexOf(role) >= 0 || roles.indexOf('ADMIN') >= 0;
    };
    return {
      viewer: viewer,
      // What the console offers: what the API would refuse is not shown at all.
      canReclaim: has('RECLAIMER'),
      canAdmin: has('ADMIN'),
      canIntegrate: has('INTEGRATOR'),
    };
  }

  function leaveView() {
    if (stop) {
      try {
        stop();
      } catch (e) {
        // A view's cleanup must not keep the next one from rendering.
      }
      stop = null;
    }
  }

  function signIn(message) {
    leaveView();
    ctx = null;
    top.hidden = true;
    document.title = 'Sign in · Seatkeeper';
    clear(main);
    var input = h('input', {
      id: 'token',
      name: 'token',
      type: 'password',
      autocomplete: 'off',
      spellcheck: 'false',
      required: true,
      'aria-describedby': 'token-help',
    });
    var error = h('p', { class: 'error', id: 'sign-in-error', role: 'alert' }, message || '');
    var button = h('button', { type: 'submit', class: 'primary' }, 'Sign in');
    var form = h('form', { class: 'sign-in', id: 'sign-in', 'aria-labelledby': 'sign-in-title' },
      h('h1', { id: 'sign-in-title' }, 'Seatkeeper'),
      h('p', {}, 'Sign in with an API token. It is kept for this browser tab only.'),
      h('label', { for: 'token' }, 'API token'),
      input,
      h('p', { id: 'token-help', class: 'muted' },
        'The admin token is printed at the first start; mint more with ',
        h('code', {}, 'seatkeeper token create'), '.'),
      error,
      button);
    form.addEventListener('submit', function (event) {
      event.preventDefault();
      var token = input.value.trim();
      if (!token) {
        return;
      }
      button.disabled = true;
      error.textContent = '';
      SK.api
        .gql(VIEWER, {}, token)
        .then(function (data) {
          SK.api.signIn(token);
          start(data.viewer);
        })
        .catch(function (err) {
          button.disabled = false;
          error.textContent =
            err.code === 'UNAUTHENTICATED' ? 'This token is not accepted: it is unknown or revoked.' : err.message;
          input.focus();
        });
    });
    main.appendChild(form);
    input.focus();
  }

  function start(viewer) {
    ctx = rolesOf(viewer);
    top.hidden = false;
    var who = document.getElementById('who');
    clear(who).appendChild(document.createTextNode(viewer.name + ' · ' + SK.ui.enumLabel(viewer.role)));
    if (!window.location.hash || window.location.hash.indexOf('#/') !== 0) {
      window.history.replaceState(null, '', '#/overview');
    }
    route();
  }

  function route() {
    if (!ctx) {
      return;
    }
    var name = window.location.hash.replace(/^#\//, '').split('?')[0];
    if (ORDER.indexOf(name) < 0) {
      name = 'overview';
    }
    var view = SK.views[name];
    leaveView();
    Array.prototype.forEach.call(document.querySelectorAll('nav a'), function (link) {
      if (link.getAttribute('href') === '#/' + name) {
        link.setAttribute('aria-current', 'page');
      } else {
        link.removeAttribute('aria-current');
      }
    });
    document.title = view.title + ' · Seatkeeper';
    clear(main);
    var title = h('h1', { id: 'view-title', tabindex: '-1' }, view.title);
    var section = h('section', { class: 'view', 'aria-labelledby': 'view-title' }, title);
    main.appendChild(section);
    stop = view.render(section, ctx) || null;
    // Moving between views, a keyboard or screen-reader user lands on the new view's
    // title rather than back at the top of the page.
    if (routed) {
      title.focus();
    }
    routed = true;
  }
  var routed = false;

  // Shows an error the API answered inside a view, in the API's words with its code.
  SK.failed = function (where, err) {
    if (err && err.code === 'UNAUTHENTICATED') {
      return;
    }
    clear(where).appendChild(
      h('p', { class: 'error', role: 'alert' }, (err && err.message) || String(err), err && err.code ? ' (' + err.code + ')' : '')
    );
  };

  window.addEventListener('hashchange', route);
  window.addEventListener('sk:signedout', function (event) {
    signIn(event.detail);
  });
  document.getElementById('sign-out').addEventListener('click', function () {
    SK.api.signOut();
    signIn('Signed out.');
  });

  // A link with #token=… (demo mode prints one) signs in and leaves the token out of the
  // address bar and history; the fragment never reaches the server.
  var fragment = window.location.hash.match(/^#token=([^&]+)/);
  if (fragment) {
    SK.api.signIn(decodeURIComponent(fragment[1]));
    window.history.replaceState(null, '', '#/overview');
  }
  if (!SK.api.token()) {
    signIn();
    return;
  }
  SK.api
    .gql(VIEWER)
    .then(function (data) {
      start(data.viewer);
    })
    .catch(function (err) {
      if (err.code !== 'UNAUTHENTICATED') {
        signIn(err.message);
      }
    });
})();
