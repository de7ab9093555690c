// Overview: spend, seats, idle seats, % unused, true-up and savings per currency, the
// last-activity buckets as a chart, the same per vendor, profile and model, each model's
// licence position over time, and the renewals due within 90 days with their use.
(function () {
  'use strict';

  var SK = window.SK;
  var ui = SK.ui;
  var h = ui.h;

  var FIGURES =
    'fragment Figures on SummaryFigures { assigned idle percentUnused ' +
    'lastActivity { days0To30 days30To60 days60To90 days90Plus never } ' +
    'amounts { currency annualSpend { amount currency } trueUpCost { amount currency } ' +
    'overLicensed { amount currency } potentialSavings { amount currency } ' +
    'actualSavings { amount currency } actualSavingsThisYear { amount currency } } }';

  var QUERY =
    'query Overview($vendor: Vendor) { licenseSummary(vendor: $vendor) { asOf total { ...Figures } ' +
    'byProfile { profile { id displayName vendor } figures { ...Figures } } ' +
    'bySoftwareModel { complianceStatus rightsOwned unlicensed softwareModel { id displayName vendor } figures { ...Figures } } } ' +
    'renewals(withinDays: 90) { endsOn daysLeft rights modelRightsOwned modelRightsUsed utilisationPercent rightsToDrop ' +
    'annualSaving { amount currency } entitlement { id name softwareModel { displayName vendor } } } } ' +
    FIGURES;

  var VENDORS = ['', 'ZOOM', 'GOTO', 'AHA'];

  function pick(amounts, key) {
    return amounts.map(function (a) {
      return a[key];
    });
  }

  // One line per currency: amounts in different currencies are never added up.
  function lines(list) {
    if (!list.length) {
      return '—';
    }
    return list.map(function (m) {
      return h('div', {}, ui.money(m));
    });
  }

  function tile(label, value, id, note) {
    return h('div', { class: 'tile', 'data-figure': id },
      h('div', { class: 'tile-label' }, label),
      h('div', { class: 'tile-value' }, value),
      note ? h('div', { class: 'tile-note' }, note) : null);
  }

  function tiles(figures) {
    var amounts = figures.amounts;
    return h('div', { class: 'tiles' },
      tile('Annual spend', lines(pick(amounts, 'annualSpend')), 'annualSpend'),
      tile('Assigned seats', ui.count(figures.assigned), 'assigned'),
      tile('Idle seats', ui.count(figures.idle), 'idle', 'flagged by a rule on evidence'),
      tile('Unused', ui.percent(figures.percentUnused), 'percentUnused'),
      tile('True-up', lines(pick(amounts, 'trueUpCost')), 'trueUpCost', 'per year, for rights used beyond those owned'),
      tile('Over-licensed', lines(pick(amounts, 'overLicensed')), 'overLicensed', 'unused rights, per year'),
      tile('Potential savings', lines(pick(amounts, 'potentialSavings')), 'potentialSavings', 'per month, open candidates'),
      tile('Realised savings', lines(pick(amounts, 'actualSavings')), 'actualSavings',
        ui.moneys(pick(amounts, 'actualSavingsThisYear')) + ' this year, per month'));
  }

  function buckets(figures) {
    var b = figures.lastActivity;
    return ui.barChart('Seats by last activity', [
      { label: '0–30 d', value: b.days0To30, tone: 'ok' },
      { label: '30–60 d', value: b.days30To60, tone: 'warn' },
      { label: '60–90 d', value: b.days60To90, tone: 'warn' },
      { label: '90+ d', value: b.days90Plus, tone: 'bad' },
      { label: 'never', value: b.never, tone: 'bad' },
    ]);
  }

  function figuresRow(name, figures, extra) {
    return h('tr', {},
      h('th', { scope: 'row' }, name),
      h('td', { class: 'num' }, ui.count(figures.assigned)),
      h('td', { class: 'num' }, ui.count(figures.idle)),
      h('td', { class: 'num' }, ui.percent(figures.percentUnused)),
      h('td', { class: 'num' }, ui.moneys(pick(figures.amounts, 'annualSpend'))),
      h('td', { class: 'num' }, ui.moneys(pick(figures.amounts, 'potentialSavings'))),
      extra || null);
  }

  function table(caption, heads, rows) {
    return h('div', { class: 'table-wrap' },
      h('table', {},
        h('caption', {}, caption),
        h('thead', {}, h('tr', {}, heads.map(function (head, i) {
          return h('th', { scope: 'col', class: i ? 'num' : null }, head);
        }))),
        h('tbody', {}, rows.length ? rows : h('tr', {}, h('td', { colspan: heads.length, class: 'muted' }, 'Nothing yet.')))));
  }

  var COMMON = ['Assigned', 'Idle', 'Unused', 'Annual spend', 'Potential savings / month'];

  function renewals(list) {
    return table('Renewals in the next 90 days', ['Entitlement', 'Ends', 'Rights', 'Used of owned', 'Utilisation', 'Drop at renewal', 'Saving / year'],
      list.map(function (r) {
        return h('tr', {},
          h('th', { scope: 'row' }, r.entitlement.softwareModel.displayName + ' — ' + r.entitlement.name),
          h('td', { class: 'num' }, ui.day(r.endsOn), h('span', { class: 'muted' }, ' (' + r.daysLeft + ' d)')),
          h('td', { class: 'num' }, ui.count(r.rights)),
          h('td', { class: 'num' }, ui.count(r.modelRightsUsed) + ' / ' + ui.count(r.modelRightsOwned)),
          h('td', { class: 'num' }, ui.percent(r.utilisationPercent)),
          h('td', { class: 'num' }, ui.count(r.rightsToDrop)),
          h('td', { class: 'num' }, ui.money(r.annualSaving)));
      }));
  }

  // Each model's rights used over time (from its reconciliations), with a model picker.
  function trend(models, into) {
    if (!models.length) {
      return;
    }
    var histories = {};
    var select = h('select', { id: 'trend-model' }, models.map(function (m) {
      return h('option', { value: m.softwareModel.id }, m.softwareModel.displayName);
    }));
    var chart = h('div', { class: 'trend-chart' });
    var card = h('div', { class: 'card' },
      h('h2', {}, 'Licence position over time'),
      h('label', { for: 'trend-model' }, 'Software model '), select, chart);
    into.appendChild(card);
    function draw() {
      var history = histories[select.value] || [];
      var points = history.slice().reverse().map(function (p) {
        return { at: new Date(p.computedAt), value: p.rightsUsed };
      });
      var last = history[0];
      ui.clear(chart).appendChild(ui.lineChart('Rights used over time', points, ui.count));
      if (last) {
        chart.appendChild(h('p', { class: 'muted' },
          'Now ' + ui.count(last.rightsUsed) + ' used of ' + ui.count(last.rightsOwned) + ' owned · ' +
          ui.enumLabel(last.complianceStatus) + ' · ' + history.length + ' reconciliations shown'));
      }
    }
    select.addEventListener('change', draw);
    var ids = models.map(function (m) {
      return m.softwareModel.id;
    });
    SK.api.each(ids, 'ID!', function (v) {
      return 'licensePositionHistory(softwareModelId: ' + v + ', limit: 30) { computedAt rightsUsed rightsOwned complianceStatus }';
    }).then(function (lists) {
      ids.forEach(function (id, i) {
        histories[id] = lists[i] || [];
      });
      draw();
    }, function (err) {
      SK.failed(chart, err);
    });
  }

  function render(section) {
    var vendor = h('select', { id: 'vendor-filter' }, VENDORS.map(function (v) {
      return h('option', { value: v }, v ? ui.enumLabel(v) : 'All vendors');
    }));
    var body = h('div', { class: 'overview', 'aria-live': 'polite', 'aria-busy': 'true' }, h('p', { class: 'loading' }, 'Loading…'));
    section.appendChild(h('div', { class: 'toolbar' }, h('label', { for: 'vendor-filter' }, 'Vendor '), vendor));
    section.appendChild(body);
    function load() {
      body.setAttribute('aria-busy', 'true');
      SK.api.gql(QUERY, { vendor: vendor.value || null }).then(function (data) {
        var summary = data.licenseSummary;
        ui.clear(body);
        body.setAttribute('aria-busy', 'false');
        body.appendChild(h('p', { class: 'muted' }, 'As of ', ui.time(summary.asOf)));
        body.appendChild(tiles(summary.total));
        // When the figures are on screen: what the console benchmark times.
        if (window.performance && performance.mark && !performance.getEntriesByName('seatkeeper:overview').length) {
          performance.mark('seatkeeper:overview');
        }
        body.appendChild(h('div', { class: 'cards' },
          h('div', { class: 'card' }, h('h2', {}, 'Seats by last activity'), buckets(summary.total)),
          h('div', { class: 'trend-slot' })));
        trend(summary.bySoftwareModel, body.querySelector('.trend-slot'));
        body.appendChild(table('By integration profile', ['Profile'].concat(COMMON),
          summary.byProfile.map(function (p) {
            var name = p.profile ? p.profile.displayName + ' (' + ui.enumLabel(p.profile.vendor) + ')' : 'Deleted profile';
            return figuresRow(name, p.figures);
          })));
        body.appendChild(table('By software model', ['Software model'].concat(COMMON, ['Position']),
          summary.bySoftwareModel.map(function (m) {
            return figuresRow(m.softwareModel.displayName, m.figures,
              h('td', { class: 'num' },
                h('span', { class: 'status ' + (m.complianceStatus || 'NONE').toLowerCase() }, ui.enumLabel(m.complianceStatus || 'NOT_RECONCILED')),
                m.unlicensed ? ' ' + ui.count(m.unlicensed) + ' unlicensed' : ''));
          })));
        body.appendChild(renewals(data.renewals));
      }, function (err) {
        body.setAttribute('aria-busy', 'false');
        SK.failed(body, err);
      });
    }
    vendor.addEventListener('change', load);
    load();
  }

  SK.views = SK.views || {};
  SK.views.overview = { title: 'Overview', render: render };
})();
