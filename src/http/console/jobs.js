// Tenants and jobs: each integration profile with its status, its last download and
// activity pull (counts, the last error with its code), and the job runs moving live
// through the jobRunUpdates subscription with progress bars.
(function () {
  'use strict';

  var SK = window.SK;
  var ui = SK.ui;
  var h = ui.h;

  var RUN_FIELDS =
    'id kind state progressDone progressTotal error errorCode vendorErrorCode attempt queuedAt startedAt finishedAt ' +
    'counts { fetched created updated closed errors reclaimed } profile { id displayName }';
  var PROFILES = 'query Profiles { integrationProfiles(first: 100) { nodes { id displayName vendor status publishedAt downloadActivity reclaim } } ' +
    'jobRuns(last: 25) { nodes { ' + RUN_FIELDS + ' } } }';
  var FINAL = ['SUCCEEDED', 'FAILED', 'CANCELED'];

  // Each profile's last download and last activity pull.
  function lastRuns(profiles) {
    var ids = profiles.map(function (p) {
      return p.id;
    });
    var last = function (kind) {
      return SK.api.each(ids, 'ID!', function (v) {
        return 'jobRuns(profileId: ' + v + ', kind: ' + kind + ', last: 1) { nodes { ' + RUN_FIELDS + ' } }';
      });
    };
    return Promise.all([last('DOWNLOAD_SUBSCRIPTIONS'), last('PULL_ACTIVITY')]).then(function (runs) {
      profiles.forEach(function (p, i) {
        p.download = runs[0][i].nodes[0] || null;
        p.activity = runs[1][i].nodes[0] || null;
      });
    });
  }

  function runCell(run) {
    if (!run) {
      return h('td', { class: 'muted' }, 'never');
    }
    return h('td', {},
      h('span', { class: 'state ' + run.state.toLowerCase() }, ui.enumLabel(run.state)), ' ',
      ui.time(run.finishedAt || run.startedAt || run.queuedAt),
      h('div', { class: 'muted' }, ui.count(run.counts.fetched) + ' fetched · ' + ui.count(run.counts.created) + ' new · ' +
        ui.count(run.counts.closed) + ' closed' + (run.counts.errors ? ' · ' + ui.count(run.counts.errors) + ' errors' : '')),
      run.error ? h('div', { class: 'error' }, run.error, run.errorCode ? ' (' + run.errorCode + (run.vendorErrorCode ? ', vendor ' + run.vendorErrorCode : '') + ')' : '') : null);
  }

  function render(section, ctx) {
    var profileBody = h('tbody', {});
    var runBody = h('tbody', { id: 'runs' });
    var runRows = {};
    section.appendChild(h('div', { class: 'table-wrap' }, h('table', { id: 'profiles' },
      h('caption', {}, 'Integration profiles'),
      h('thead', {}, h('tr', {},
        h('th', { scope: 'col' }, 'Profile'),
        h('th', { scope: 'col' }, 'Status'),
        h('th', { scope: 'col' }, 'Last download'),
        h('th', { scope: 'col' }, 'Last activity pull'),
        ctx.canIntegrate ? h('th', { scope: 'col' }, 'Run now') : null)),
      profileBody)));
    section.appendChild(h('div', { class: 'table-wrap' }, h('table', {},
      h('caption', {}, 'Job runs, live'),
      h('thead', {}, h('tr', {},
        h('th', { scope: 'col' }, 'Run'),
        h('th', { scope: 'col' }, 'Profile'),
        h('th', { scope: 'col' }, 'State'),
        h('th', { scope: 'col' }, 'Progress'),
        h('th', { scope: 'col' }, 'Counts'),
        h('th', { scope: 'col' }, 'Queued'))),
      runBody)));

    function runRow(run) {
      var done = FINAL.indexOf(run.state) >= 0;
      var tr = h('tr', { 'data-run': run.id, 'data-state': run.state },
        h('th', { scope: 'row' }, ui.enumLabel(run.kind), run.attempt > 1 ? h('span', { class: 'muted' }, ' attempt ' + run.attempt) : null),
        h('td', {}, run.profile ? run.profile.displayName : 'All profiles'),
        h('td', {}, h('span', { class: 'state ' + run.state.toLowerCase() }, ui.enumLabel(run.state)),
          run.error ? h('div', { class: 'error' }, run.error, run.errorCode ? ' (' + run.errorCode + ')' : '') : null),
        h('td', {}, done && !run.progressTotal ? ui.count(run.progressDone) + ' done' :
          ui.progress(run.progressDone, run.progressTotal, ui.enumLabel(run.kind) + ' progress')),
        h('td', { class: 'muted' }, ui.count(run.counts.fetched) + ' fetched · ' + ui.count(run.counts.created) + ' new' +
          (run.counts.reclaimed ? ' · ' + ui.count(run.counts.reclaimed) + ' reclaimed' : '')),
        h('td', {}, ui.time(run.queuedAt)));
      return tr;
    }

    function putRun(run) {
      var next = runRow(run);
      var old = runRows[run.id];
      if (old && old.parentNode) {
        old.parentNode.replaceChild(next, old);
      } else {
        runBody.insertBefore(next, runBody.firstChild);
      }
      runRows[run.id] = next;
    }

    function runNow(profile, kind) {
      var field = kind === 'download' ? 'runDownloadSubscriptions' : 'runPullActivity';
      SK.api.gql('mutation Run($p: ID!) { run: ' + field + '(profileId: $p) { ' + RUN_FIELDS + ' } }', { p: profile.id })
        .then(function (data) {
          putRun(data.run);
          ui.toast(ui.enumLabel(data.run.kind) + ' of ' + profile.displayName + ' queued.', 'ok');
        }, function (err) {
          ui.toast(err.message + ' (' + err.code + ')', 'bad');
        });
    }

    function drawProfiles(profiles) {
      ui.clear(profileBody);
      if (!profiles.length) {
        profileBody.appendChild(h('tr', {}, h('td', { colspan: 5, class: 'muted' }, 'No integration profiles yet.')));
      }
      profiles.forEach(function (p) {
        profileBody.appendChild(h('tr', { 'data-profile': p.id },
          h('th', { scope: 'row' }, p.displayName, h('div', { class: 'muted' }, ui.enumLabel(p.vendor) + (p.reclaim ? '' : ' · reclaim off'))),
          h('td', {}, ui.enumLabel(p.status), p.publishedAt ? h('div', { class: 'muted' }, 'published ', ui.time(p.publishedAt)) : null),
          runCell(p.download),
          p.downloadActivity ? runCell(p.activity) : h('td', { class: 'muted' }, 'not pulled'),
          ctx.canIntegrate ? h('td', {},
            h('button', { type: 'button', class: 'secondary', disabled: p.status !== 'PUBLISHED', onclick: function () { runNow(p, 'download'); } }, 'Download'),
            ' ',
            h('button', { type: 'button', class: 'secondary', disabled: p.status !== 'PUBLISHED' || !p.downloadActivity, onclick: function () { runNow(p, 'activity'); } }, 'Pull activity')) : null));
      });
    }

    var ended = false;
    var refresh = null;
    function loadProfiles() {
      return SK.api.gql(PROFILES).then(function (data) {
        var profiles = data.integrationProfiles.nodes;
        data.jobRuns.nodes.forEach(putRun);
        return lastRuns(profiles).then(function () {
          drawProfiles(profiles);
        });
      }, function (err) {
        SK.failed(profileBody, err);
      });
    }

    loadProfiles();
    // Every run still queued or running arrives first, then every change of any run.
    var end = SK.api.subscribe('subscription Runs { jobRunUpdates { ' + RUN_FIELDS + ' } }', {}, {
      next: function (data) {
        var run = data && data.jobRunUpdates;
        if (!run || ended) {
          return;
        }
        putRun(run);
        if (FINAL.indexOf(run.state) >= 0 && !refresh) {
          // A finished run changes its profile's last download or pull: read them again.
          refresh = window.setTimeout(function () {
            refresh = null;
            if (!ended) {
              loadProfiles();
            }
          }, 500);
        }
      },
      error: function (err) {
        ui.toast(err.message, 'bad');
      },
    });
    return function () {
      ended = true;
      window.clearTimeout(refresh);
      end();
    };
  }

  SK.views = SK.views || {};
  SK.views.jobs = { title: 'Tenants and jobs', render: render };
})();
