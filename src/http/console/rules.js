// Rules: each software model's reclamation rule. Changing a threshold shows at once what
// previewReclamationRule says it would flag (seats, monthly saving, products without
// enough evidence) before the change is saved; saving is offered to admins only.
(function () {
  'use strict';

  var SK = window.SK;
  var ui = SK.ui;
  var h = ui.h;

  var RULES =
    'query Rules { reclamationRules(first: 100) { nodes { id name inactivityThresholdDays cooldownDays active ' +
    'notifyUser notifyWaitDays requireApproval autoReclaim ' +
    'condition { emailDomainsIn emailDomainsNotIn identifiers } softwareModel { id displayName } } } }';
  var PREVIEW =
    'query Preview($input: PreviewReclamationRuleInput!) { previewReclamationRule(input: $input) { ' +
    'result { flagged heldBack potentialSavings { amount currency } coverageGaps { identifier reason seats } } } }';
  var SAVE =
    'mutation Save($id: ID!, $input: UpdateReclamationRuleInput!) { updateReclamationRule(id: $id, input: $input) { id inactivityThresholdDays updatedAt } }';
  var MIN = 1;
  var MAX = 3650;
  var DEBOUNCE_MS = 300;

  function describe(rule) {
    var steps = [];
    steps.push(rule.notifyUser ? 'tells the holder and waits ' + rule.notifyWaitDays + ' days' : 'does not notify');
    if (rule.requireApproval) {
      steps.push('needs an approval');
    }
    steps.push(rule.autoReclaim ? 'reclaims by itself' : 'a reclaimer reclaims');
    if (rule.cooldownDays) {
      steps.push('a seat kept is not flagged again for ' + rule.cooldownDays + ' days');
    }
    return steps.join(' · ');
  }

  function ruleCard(rule, ctx) {
    var id = 'threshold-' + rule.id.replace(/[^A-Za-z0-9_-]/g, '');
    var input = h('input', {
      id: id,
      type: 'number',
      min: MIN,
      max: MAX,
      step: 1,
      value: rule.inactivityThresholdDays,
      'aria-describedby': id + '-preview',
      readonly: !ctx.canAdmin,
    });
    var preview = h('div', { class: 'preview', id: id + '-preview', 'aria-live': 'polite' });
    var save = ctx.canAdmin ? h('button', { type: 'button', class: 'primary', disabled: true }, 'Save threshold') : null;
    var timer = null;
    var asked = 0;

    function ask() {
      var days = Number(input.value);
      if (!Number.isInteger(days) || days < MIN || days > MAX) {
        ui.clear(preview).appendChild(h('p', { class: 'error' }, 'A threshold is a whole number of days, ' + MIN + ' to ' + MAX + '.'));
        if (save) {
          save.disabled = true;
        }
        return;
      }
      if (save) {
        save.disabled = days === rule.inactivityThresholdDays;
      }
      var mine = ++asked;
      preview.setAttribute('aria-busy', 'true');
      var condition = rule.condition || { emailDomainsIn: [], emailDomainsNotIn: [], identifiers: [] };
      SK.api.gql(PREVIEW, {
        input: {
          softwareModelId: rule.softwareModel.id,
          inactivityThresholdDays: days,
          cooldownDays: rule.cooldownDays,
          condition: {
            emailDomainsIn: condition.emailDomainsIn,
            emailDomainsNotIn: condition.emailDomainsNotIn,
            identifiers: condition.identifiers,
          },
          sample: 0,
        },
      }).then(function (data) {
        if (mine !== asked) {
          return;
        }
        preview.setAttribute('aria-busy', 'false');
        var r = data.previewReclamationRule.result;
        ui.clear(preview);
        // A preview judges every seat afresh: seats flagged already count among these.
        preview.appendChild(h('p', { class: 'preview-figures' },
          h('strong', { 'data-figure': 'flagged' }, ui.count(r.flagged)), ' seats idle under this threshold, saving ',
          h('strong', { 'data-figure': 'saving' }, ui.moneys(r.potentialSavings)), ' a month · ',
          ui.count(r.heldBack) + ' held back by a cooldown'));
        r.coverageGaps.forEach(function (gap) {
          preview.appendChild(h('p', { class: 'warn' }, gap.identifier + ': ' + ui.count(gap.seats) + ' seats wait for evidence — ' + gap.reason));
        });
      }, function (err) {
        if (mine === asked) {
          preview.setAttribute('aria-busy', 'false');
          SK.failed(preview, err);
        }
      });
    }

    input.addEventListener('input', function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(ask, DEBOUNCE_MS);
    });
    if (save) {
      save.addEventListener('click', function () {
        var days = Number(input.value);
        save.disabled = true;
        SK.api.gql(SAVE, { id: rule.id, input: { inactivityThresholdDays: days } }).then(function (data) {
          rule.inactivityThresholdDays = data.updateReclamationRule.inactivityThresholdDays;
          ui.toast(rule.name + ': threshold saved, ' + days + ' days.', 'ok');
        }, function (err) {
          save.disabled = false;
          ui.toast(err.message + ' (' + err.code + ')', 'bad');
        });
      });
    }
    ask();
    return h('div', { class: 'card rule', 'data-rule': rule.id },
      h('h2', {}, rule.softwareModel.displayName),
      h('p', { class: 'muted' }, rule.name + (rule.active ? '' : ' · switched off') + ' · ' + describe(rule)),
      h('label', { for: id }, 'Idle for at least (days)'), ' ', input, ' ', save,
      preview);
  }

  function render(section, ctx) {
    var list = h('div', { class: 'cards' }, h('p', { class: 'loading' }, 'Loading…'));
    section.appendChild(list);
    SK.api.gql(RULES).then(function (data) {
      ui.clear(list);
      var rules = data.reclamationRules.nodes;
      if (!rules.length) {
        list.appendChild(h('p', { class: 'muted' }, 'No reclamation rules yet: an admin creates one per software model with createReclamationRule.'));
      }
      rules.forEach(function (rule) {
        list.appendChild(ruleCard(rule, ctx));
      });
    }, function (err) {
      SK.failed(list, err);
    });
  }

  SK.views = SK.views || {};
  SK.views.rules = { title: 'Rules', render: render };
})();
