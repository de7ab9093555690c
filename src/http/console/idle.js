// Idle seats: the removal candidates with their evidence, filtered and sorted, and the
// bulk actions a reclaimer may take on them, each confirmed with how many seats and how
// much money. A reclaim follows its run live and shows each row's outcome.
(function () {
  'use strict';

  var SK = window.SK;
  var ui = SK.ui;
  var h = ui.h;

  var OPEN = ['READY', 'AWAITING_USER', 'AWAITING_APPROVAL', 'AWAITING_REVOCATION', 'ATTENTION_REQUIRED', 'RECLAIMING'];
  var CLOSED = ['CLOSED_COMPLETE', 'CLOSED_SKIPPED', 'CLOSED_CANCELED'];
  var PAGE = 50;

  var CANDIDATE =
    'fragment Candidate on RemovalCandidate { id state userPrincipalName idleDays thresholdDays ' +
    'potentialSavingsMinor realisedSavingsMinor currency attentionReason closeReason vendorCode reclaimRunId ' +
    'profile { id displayName vendor } softwareModel { displayName } ' +
    'lastActivity { at kind source approximate } ' +
    'evidence { ruleName windowFrom windowTo activitySource checks } }';

  var LIST =
    'query Candidates($states: [CandidateState!], $profileId: ID, $orderBy: CandidateOrderBy!, $after: String) { ' +
    'removalCandidates(states: $states, profileId: $profileId, orderBy: $orderBy, first: ' + PAGE + ', after: $after) { ' +
    'totalCount pageInfo { hasNextPage endCursor } nodes { ...Candidate } } } ' + CANDIDATE;

  var SUMMARY =
    'query IdleSummary($profileId: ID) { reclamationSummary(profileId: $profileId) { byState { state count } ' +
    'potentialSavings { amount currency } realisedSavings { amount currency } } ' +
    'integrationProfiles(first: 100) { nodes { id displayName vendor } } }';

  // What each bulk action is called, its mutation, which states it applies to and what
  // its confirmation says it does.
  var ACTIONS = [
    { key: 'reclaim', label: 'Reclaim', field: 'reclaimRemovalCandidates', states: ['READY'], verb: 'Remove the licence at the vendor from' },
    { key: 'approve', label: 'Approve', field: 'approveRemovalCandidates', states: ['AWAITING_APPROVAL'], verb: 'Approve the reclaim of', note: 'note' },
    { key: 'reject', label: 'Reject', field: 'rejectRemovalCandidates', states: ['AWAITING_APPROVAL'], verb: 'Keep (reject the reclaim of)', note: 'note' },
    { key: 'skip', label: 'Skip', field: 'skipRemovalCandidates', states: OPEN.filter(function (s) { return s !== 'RECLAIMING'; }), verb: 'Stop pursuing', note: 'reason' },
    { key: 'retry', label: 'Retry', field: 'retryRemovalCandidates', states: ['ATTENTION_REQUIRED'], verb: 'Retry' },
    { key: 'complete', label: 'Mark removed', field: 'completeRemovalCandidates', states: ['AWAITING_REVOCATION'], verb: 'Record as removed at the vendor by hand', note: 'note' },
  ];

  var STATE_FILTERS = [
    { value: 'open', label: 'Open (all)', states: OPEN },
  ].concat(OPEN.map(function (s) {
    return { value: s, label: ui.enumLabel(s), states: [s] };
  }), [{ value: 'closed', label: 'Closed (all)', states: CLOSED }], CLOSED.map(function (s) {
    return { value: s, label: ui.enumLabel(s), states: [s] };
  }));

  // A seat of a model with no entitlement has no price: say so rather than show 0.
  function saving(c) {
    if (!c.currency) {
      return h('span', { class: 'muted' }, 'not priced');
    }
    return ui.money(ui.minor(c.potentialSavingsMinor, c.currency));
  }

  // Per currency, what the chosen candidates save each month: "USD 45.00 · EUR 12.00".
  function total(candidates) {
    var sums = {};
    candidates.forEach(function (c) {
      if (!c.currency) {
        return;
      }
      sums[c.currency] = (sums[c.currency] || 0) + c.potentialSavingsMinor;
    });
    return Object.keys(sums).sort().map(function (cur) {
      return ui.money(ui.minor(sums[cur], cur));
    }).join(' + ') || 'nothing priced';
  }

  function evidence(c) {
    var e = c.evidence;
    var last = c.lastActivity;
    var lines = [];
    if (last) {
      lines.push(h('div', {}, ui.enumLabel(last.kind), ' ', ui.time(last.at),
        last.approximate ? ' (at the latest: the report gave a window)' : '', ' · ', last.source));
    } else {
      lines.push(h('div', {}, 'No activity in the vendor’s data'));
    }
    if (e) {
      lines.push(h('div', { class: 'muted' }, e.ruleName + ': idle over ' + c.thresholdDays + ' days · from ' + e.activitySource));
      if (e.checks.length) {
        lines.push(h('details', {}, h('summary', {}, e.checks.length + ' checks passed'),
          h('ul', {}, e.checks.map(function (check) {
            return h('li', {}, check);
          }))));
      }
    }
    if (c.attentionReason) {
      lines.push(h('div', { class: 'error' }, c.attentionReason, c.vendorCode ? ' (' + c.vendorCode + ')' : ''));
    }
    if (c.closeReason) {
      lines.push(h('div', { class: 'muted' }, c.closeReason));
    }
    return lines;
  }

  function render(section, ctx) {
    var selected = {};
    var rows = {};
    var candidates = {};
    var cursor = null;
    var live = [];
    var state = h('select', { id: 'state-filter' }, STATE_FILTERS.map(function (f) {
      return h('option', { value: f.value }, f.label);
    }));
    var profile = h('select', { id: 'profile-filter' }, h('option', { value: '' }, 'All profiles'));
    var order = h('select', { id: 'order' },
      h('option', { value: 'POTENTIAL_SAVINGS' }, 'Largest saving first'),
      h('option', { value: 'IDLE_DAYS' }, 'Idle the longest first'),
      h('option', { value: 'ID' }, 'Oldest first'));
    var counts = h('div', { class: 'state-counts', 'aria-live': 'polite' });
    var status = h('p', { class: 'muted', id: 'idle-status', 'aria-live': 'polite' });
    var actions = h('div', { class: 'bulk', role: 'group', 'aria-label': 'Actions on the selected seats' });
    var all = h('input', { type: 'checkbox', id: 'select-all', 'aria-label': 'Select every seat shown' });
    var tbody = h('tbody', {});
    var more = h('button', { type: 'button', class: 'secondary', hidden: true }, 'Show more');

    section.appendChild(counts);
    section.appendChild(h('div', { class: 'toolbar' },
      h('label', { for: 'state-filter' }, 'State '), state,
      h('label', { for: 'profile-filter' }, 'Profile '), profile,
      h('label', { for: 'order' }, 'Sort '), order));
    if (ctx.canReclaim) {
      section.appendChild(actions);
    }
    section.appendChild(status);
    section.appendChild(h('div', { class: 'table-wrap' }, h('table', { id: 'candidates' },
      h('caption', { class: 'visually-hidden' }, 'Removal candidates'),
      h('thead', {}, h('tr', {},
        ctx.canReclaim ? h('th', { scope: 'col' }, all) : null,
        h('th', { scope: 'col' }, 'User'),
        h('th', { scope: 'col' }, 'Software model'),
        h('th', { scope: 'col' }, 'State'),
        h('th', { scope: 'col', class: 'num' }, 'Idle'),
        h('th', { scope: 'col' }, 'Evidence'),
        h('th', { scope: 'col', class: 'num' }, 'Saving / month'))),
      tbody)));
    section.appendChild(more);

    function chosen() {
      return Object.keys(selected).map(function (id) {
        return candidates[id];
      });
    }

    function drawActions() {
      ui.clear(actions);
      var picked = chosen();
      actions.appendChild(h('span', { class: 'muted' }, picked.length ? picked.length + ' selected · ' + total(picked) + ' / month' : 'Select seats to act on them'));
      ACTIONS.forEach(function (action) {
        var fits = picked.filter(function (c) {
          return action.states.indexOf(c.state) >= 0;
        });
        actions.appendChild(h('button', {
          type: 'button',
          class: action.key === 'reclaim' ? 'primary' : 'secondary',
          'data-action': action.key,
          disabled: !fits.length,
          onclick: function () {
            act(action, fits);
          },
        }, action.label + (fits.length ? ' (' + fits.length + ')' : '')));
      });
    }

    function row(c) {
      var box = null;
      if (ctx.canReclaim) {
        box = h('input', {
          type: 'checkbox',
          'aria-label': 'Select ' + c.userPrincipalName,
          checked: !!selected[c.id],
          onchange: function (event) {
            if (event.target.checked) {
              selected[c.id] = true;
            } else {
              delete selected[c.id];
            }
            drawActions();
          },
        });
      }
      var restore = null;
      if (ctx.canReclaim && c.state === 'CLOSED_COMPLETE') {
        restore = h('button', { type: 'button', class: 'link', onclick: function () { restoreOne(c); } }, 'Restore');
      }
      var tr = h('tr', { 'data-id': c.id, 'data-state': c.state },
        box ? h('td', {}, box) : null,
        h('th', { scope: 'row' }, c.userPrincipalName,
          h('div', { class: 'muted' }, c.profile ? c.profile.displayName : '')),
        h('td', {}, c.softwareModel ? c.softwareModel.displayName : '—'),
        h('td', {}, h('span', { class: 'state ' + c.state.toLowerCase() }, ui.enumLabel(c.state)), ' ', restore,
          c.state === 'RECLAIMING' && c.reclaimRunId ? h('div', { class: 'run-slot', 'data-run': c.reclaimRunId }) : null),
        h('td', { class: 'num' }, ui.count(c.idleDays) + ' d'),
        h('td', { class: 'evidence' }, evidence(c)),
        h('td', { class: 'num' }, saving(c)));
      return tr;
    }

    function put(c) {
      candidates[c.id] = c;
      var next = row(c);
      if (rows[c.id] && rows[c.id].parentNode) {
        rows[c.id].parentNode.replaceChild(next, rows[c.id]);
      } else {
        tbody.appendChild(next);
      }
      rows[c.id] = next;
    }

    function filter() {
      var f = STATE_FILTERS.filter(function (x) {
        return x.value === state.value;
      })[0];
      return { states: f.states, profileId: profile.value || null, orderBy: order.value };
    }

    function load(reset) {
      if (reset) {
        cursor = null;
        selected = {};
        rows = {};
        candidates = {};
        ui.clear(tbody);
        all.checked = false;
      }
      var vars = filter();
      vars.after = cursor;
      status.textContent = 'Loading…';
      return SK.api.gql(LIST, vars).then(function (data) {
        var page = data.removalCandidates;
        page.nodes.forEach(put);
        cursor = page.pageInfo.endCursor;
        more.hidden = !page.pageInfo.hasNextPage;
        status.textContent = ui.count(page.totalCount) + ' seats · showing ' + ui.count(Object.keys(rows).length);
        drawActions();
        follow();
      }, function (err) {
        SK.failed(status, err);
      });
    }

    function loadSummary() {
      return SK.api.gql(SUMMARY, { profileId: profile.value || null }).then(function (data) {
        var s = data.reclamationSummary;
        if (profile.options.length === 1) {
          data.integrationProfiles.nodes.forEach(function (p) {
            profile.appendChild(h('option', { value: p.id }, p.displayName + ' (' + ui.enumLabel(p.vendor) + ')'));
          });
        }
        ui.clear(counts);
        counts.appendChild(h('dl', { class: 'summary' },
          h('div', {}, h('dt', {}, 'Potential savings'), h('dd', {}, ui.moneys(s.potentialSavings), ' / month')),
          h('div', {}, h('dt', {}, 'Realised savings'), h('dd', {}, ui.moneys(s.realisedSavings), ' / month')),
          s.byState.filter(function (x) { return x.count > 0; }).map(function (x) {
            return h('div', {}, h('dt', {}, ui.enumLabel(x.state)), h('dd', {}, ui.count(x.count)));
          })));
      }, function (err) {
        SK.failed(counts, err);
      });
    }

    // Follows every reclaim run a shown row waits on; at its end, reads the rows again.
    var followed = {};
    function follow() {
      Array.prototype.forEach.call(tbody.querySelectorAll('.run-slot'), function (slot) {
        var run = slot.getAttribute('data-run');
        if (followed[run]) {
          followed[run].slots.push(slot);
          return;
        }
        var entry = (followed[run] = { slots: [slot] });
        live.push(SK.api.subscribe(
          'subscription Run($id: ID!) { jobRunUpdates(jobRunId: $id) { id state progressDone progressTotal counts { reclaimed errors } } }',
          { id: run },
          {
            next: function (data) {
              var r = data && data.jobRunUpdates;
              if (!r) {
                return;
              }
              entry.slots.forEach(function (s) {
                ui.clear(s).appendChild(ui.progress(r.progressDone, r.progressTotal, 'Reclaim run progress'));
              });
              if (r.state === 'SUCCEEDED' || r.state === 'FAILED' || r.state === 'CANCELED') {
                settle(run);
              }
            },
            complete: function () {
              settle(run);
            },
          }
        ));
      });
    }

    function settle(run) {
      if (!followed[run]) {
        return;
      }
      var ids = Object.keys(candidates).filter(function (id) {
        return candidates[id].reclaimRunId === run && candidates[id].state === 'RECLAIMING';
      });
      delete followed[run];
      if (!ids.length) {
        return;
      }
      SK.api.each(ids, 'ID!', function (v) {
        return 'node(id: ' + v + ') { ...Candidate }';
      }, CANDIDATE).then(function (list) {
        var done = 0;
        list.forEach(function (c) {
          if (c) {
            put(c);
            done += c.state === 'CLOSED_COMPLETE' ? 1 : 0;
          }
        });
        ui.toast('Reclaim finished: ' + done + ' of ' + ids.length + ' seats given back.', done === ids.length ? 'ok' : 'warn');
        loadSummary();
        follow();
      }, function (err) {
        ui.toast(err.message, 'bad');
      });
    }

    function act(action, fits) {
      var money = total(fits);
      var seats = fits.length + (fits.length === 1 ? ' seat' : ' seats');
      var priced = fits.some(function (c) {
        return !!c.currency;
      });
      var worth = !priced ? '; no entitlement prices ' + (fits.length === 1 ? 'it' : 'them') + ', so the saving is not known'
        : action.key === 'reclaim' || action.key === 'approve' ? ', saving ' + money + ' a month'
          : ' (worth ' + money + ' a month)';
      var text = action.verb + ' ' + seats + worth + '?';
      var note = action.note ? (action.note === 'reason' ? 'Reason (optional)' : 'Note (optional)') : null;
      ui.confirmDialog(action.label + ' ' + seats, text, action.label, note).then(function (answer) {
        if (!answer) {
          return;
        }
        var ids = fits.map(function (c) {
          return c.id;
        });
        var args = '(ids: $ids' + (action.note ? ', ' + action.note + ': $note' : '') + ')';
        var vars = { ids: ids };
        if (action.note) {
          vars.note = answer.note || null;
        }
        SK.api.gql('mutation Act($ids: [ID!]!' + (action.note ? ', $note: String' : '') + ') { results: ' + action.field + args +
          ' { id error { code message } candidate { ...Candidate } } } ' + CANDIDATE, vars)
          .then(function (data) {
            var failed = [];
            data.results.forEach(function (r) {
              delete selected[r.id];
              if (r.candidate) {
                put(r.candidate);
              }
              if (r.error) {
                failed.push(r.error.message);
              }
            });
            drawActions();
            follow();
            loadSummary();
            var ok = data.results.length - failed.length;
            ui.toast(action.label + ': ' + ok + ' of ' + data.results.length + ' done' + (failed.length ? '. ' + failed[0] : '.'), failed.length ? 'warn' : 'ok');
          }, function (err) {
            ui.toast(err.message + ' (' + err.code + ')', 'bad');
          });
      });
    }

    function restoreOne(c) {
      ui.confirmDialog('Restore a seat', 'Give ' + c.userPrincipalName + ' their licence back at the vendor?', 'Restore').then(function (yes) {
        if (!yes) {
          return;
        }
        SK.api.gql('mutation Restore($id: ID!) { restoreReclaimedSubscription(candidateId: $id) { ...Candidate } } ' + CANDIDATE, { id: c.id })
          .then(function (data) {
            put(data.restoreReclaimedSubscription);
            ui.toast('Restored ' + c.userPrincipalName + '.', 'ok');
          }, function (err) {
            ui.toast(err.message + ' (' + err.code + ')', 'bad');
          });
      });
    }

    all.addEventListener('change', function () {
      Object.keys(candidates).forEach(function (id) {
        if (all.checked) {
          selected[id] = true;
        } else {
          delete selected[id];
        }
      });
      Array.prototype.forEach.call(tbody.querySelectorAll('input[type=checkbox]'), function (box) {
        box.checked = all.checked;
      });
      drawActions();
    });
    [state, profile, order].forEach(function (el) {
      el.addEventListener('change', function () {
        load(true);
        if (el === profile) {
          loadSummary();
        }
      });
    });
    more.addEventListener('click', function () {
      load(false);
    });
    loadSummary();
    load(true);
    return function () {
      live.forEach(function (end) {
        end();
      });
    };
  }

  SK.views = SK.views || {};
  SK.views.idle = { title: 'Idle seats', render: render };
})();
