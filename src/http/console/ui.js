// Building blocks of the views: elements, numbers and money in the reader's locale, times
// relative with the exact one on hover, and the two charts (bars and a line), drawn as SVG
// so that nothing is loaded from anywhere.
(function () {
  'use strict';

  var SK = (window.SK = window.SK || {});
  var locale = navigator.language || 'en';
  var SVG = 'http://www.w3.org/2000/svg';

  // h('button', { class: 'x', onclick: f }, 'text', child, [more]) → element.
  function h(tag, attrs) {
    var el = document.createElement(tag);
    setAttrs(el, attrs);
    append(el, Array.prototype.slice.call(arguments, 2));
    return el;
  }

  function svg(tag, attrs) {
    var el = document.createElementNS(SVG, tag);
    setAttrs(el, attrs);
    append(el, Array.prototype.slice.call(arguments, 2));
    return el;
  }

  function setAttrs(el, attrs) {
    Object.keys(attrs || {}).forEach(function (key) {
      var value = attrs[key];
      if (value === null || value === undefined || value === false) {
        return;
      }
      if (key.slice(0, 2) === 'on') {
        el.addEventListener(key.slice(2), value);
      } else if (value === true) {
        el.setAttribute(key, '');
      } else {
        el.setAttribute(key, String(value));
      }
    });
  }

  function append(el, children) {
    children.forEach(function (child) {
      if (child === null || child === undefined || child === false) {
        return;
      }
      if (Array.isArray(child)) {
        append(el, child);
      } else if (typeof child === 'object') {
        el.appendChild(child);
      } else {
        el.appendChild(document.createTextNode(String(child)));
      }
    });
  }

  function clear(el) {
    while (el.firstChild) {
      el.removeChild(el.firstChild);
    }
    return el;
  }

  var integer = new Intl.NumberFormat(locale, { maximumFractionDigits: 0 });
  var percentFormat = new Intl.NumberFormat(locale, { minimumFractionDigits: 1, maximumFractionDigits: 1 });

  function count(n) {
    return integer.format(n || 0);
  }

  function percent(n) {
    return n === null || n === undefined ? '—' : percentFormat.format(n) + ' %';
  }

  var moneyFormats = {};
  function moneyFormat(currency) {
    if (!moneyFormats[currency]) {
      try {
        moneyFormats[currency] = new Intl.NumberFormat(locale, { style: 'currency', currency: currency });
      } catch (e) {
        moneyFormats[currency] = null;
      }
    }
    return moneyFormats[currency];
  }

  // A Money ({ amount: "12.50", currency: "USD" }) in the reader's locale.
  function money(m) {
    if (!m) {
      return '—';
    }
    var format = moneyFormat(m.currency);
    return format ? format.format(Number(m.amount)) : m.amount + ' ' + m.currency;
  }

  // Minor units (cents) of a currency, as Money.
  function minor(amount, currency) {
    var format = moneyFormat(currency);
    var places = format ? format.resolvedOptions().maximumFractionDigits : 2;
    return { amount: (amount / Math.pow(10, places)).toFixed(places), currency: currency };
  }

  // Several Moneys (one per currency) on one line: never summed across currencies.
  function moneys(list) {
    if (!list || !list.length) {
      return '—';
    }
    return list.map(money).join(' · ');
  }

  var relativeFormat = new Intl.RelativeTimeFormat(locale, { numeric: 'auto' });
  var exactFormat = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' });
  var dayFormat = new Intl.DateTimeFormat(locale, { dateStyle: 'medium' });
  var UNITS = [
    ['year', 365 * 86400],
    ['month', 30 * 86400],
    ['week', 7 * 86400],
    ['day', 86400],
    ['hour', 3600],
    ['minute', 60],
    ['second', 1],
  ];

  function relative(date) {
    var seconds = (date.getTime() - Date.now()) / 1000;
    for (var i = 0; i < UNITS.length; i++) {
      if (Math.abs(seconds) >= UNITS[i][1] || UNITS[i][0] === 'second') {
        return relativeFormat.format(Math.round(seconds / UNITS[i][1]), UNITS[i][0]);
      }
    }
    return '';
  }

  // <time> showing "3 days ago", the exact time on hover and to screen readers.
  function time(iso) {
    if (!iso) {
      return h('span', { class: 'muted' }, '—');
    }
    var date = new Date(iso);
    var exact = exactFormat.format(date);
    return h('time', { datetime: iso, title: exact, 'aria-label': exact }, relative(date));
  }

  // A calendar day (an ISO date without time).
  function day(iso) {
    if (!iso) {
      return '—';
    }
    return dayFormat.format(new Date(iso + 'T00:00:00'));
  }

  // Vertical bars with their values written on them: [{ label, value, tone }].
  function barChart(title, bars) {
    var width = 420;
    var height = 180;
    var top = 18;
    var bottom = 34;
    var max = Math.max.apply(null, bars.map(function (b) { return b.value; }).concat([1]));
    var slot = width / bars.length;
    var barWidth = Math.min(56, slot * 0.6);
    var chart = svg('svg', {
      viewBox: '0 0 ' + width + ' ' + height,
      class: 'chart',
      role: 'img',
      'aria-label': title + ': ' + bars.map(function (b) { return b.label + ' ' + count(b.value); }).join(', '),
    });
    bars.forEach(function (bar, i) {
      var barHeight = ((height - top - bottom) * bar.value) / max;
      var x = i * slot + (slot - barWidth) / 2;
      var y = height - bottom - barHeight;
      chart.appendChild(
        svg('rect', { x: x, y: y, width: barWidth, height: Math.max(barHeight, 1), class: 'bar ' + (bar.tone || '') },
          svg('title', {}, bar.label + ': ' + count(bar.value)))
      );
      chart.appendChild(svg('text', { x: x + barWidth / 2, y: y - 4, class: 'value' }, count(bar.value)));
      chart.appendChild(svg('text', { x: x + barWidth / 2, y: height - bottom + 16, class: 'label' }, bar.label));
    });
    return chart;
  }

  // A line through [{ at: Date, value }], oldest first, with its first and last values.
  function lineChart(title, points, format) {
    var width = 420;
    var height = 120;
    var pad = 14;
    var chart = svg('svg', { viewBox: '0 0 ' + width + ' ' + height, class: 'chart line', role: 'img', 'aria-label': title });
    if (points.length < 2) {
      chart.appendChild(svg('text', { x: width / 2, y: height / 2, class: 'label' }, 'Not enough history yet'));
      return chart;
    }
    var values = points.map(function (p) { return p.value; });
    var min = Math.min.apply(null, values);
    var max = Math.max.apply(null, values);
    var span = max - min;
    var t0 = points[0].at.getTime();
    var t1 = points[points.length - 1].at.getTime();
    var tspan = t1 - t0 || 1;
    var coords = points.map(function (p) {
      var x = pad + ((width - 2 * pad) * (p.at.getTime() - t0)) / tspan;
      // A flat history is drawn across the middle, not along the floor.
      var y = span ? height - pad - ((height - 2 * pad) * (p.value - min)) / span : height / 2;
      return x.toFixed(1) + ',' + y.toFixed(1);
    });
    chart.appendChild(svg('polyline', { points: coords.join(' '), class: 'trend' }));
    points.forEach(function (p, i) {
      var xy = coords[i].split(',');
      chart.appendChild(
        svg('circle', { cx: xy[0], cy: xy[1], r: 3, class: 'dot' },
          svg('title', {}, exactFormat.format(p.at) + ': ' + format(p.value)))
      );
    });
    return chart;
  }

  // A progress bar for a job run: determinate when the total is known.
  function progress(done, total, label) {
    var attrs = { class: 'progress', 'aria-label': label };
    if (total) {
      attrs.max = total;
      attrs.value = Math.min(done, total);
    }
    return h('progress', attrs, done + (total ? ' / ' + total : ''));
  }

  // Status announcements for screen readers and everyone: "Reclaimed 3 seats".
  function toast(message, tone) {
    var el = document.getElementById('toast');
    clear(el);
    el.className = tone || '';
    el.appendChild(document.createTextNode(message));
    window.clearTimeout(toast.timer);
    toast.timer = window.setTimeout(function () {
      clear(el);
    }, 6000);
  }

  // Asks before an action; resolves { note } when confirmed (the text typed into the
  // optional field labelled `noteLabel`), null when not.
  function confirmDialog(title, text, action, noteLabel) {
    var dialog = document.getElementById('confirm');
    clear(dialog);
    return new Promise(function (resolve) {
      var note = noteLabel ? h('input', { id: 'confirm-note', type: 'text', maxlength: 500 }) : null;
      var done = function (yes) {
        dialog.onclose = null;
        dialog.close();
        resolve(yes ? { note: note ? note.value.trim() : '' } : null);
      };
      var form = h('form', { method: 'dialog' },
        h('h2', { id: 'confirm-title' }, title),
        h('p', {}, text),
        note ? h('p', {}, h('label', { for: 'confirm-note' }, noteLabel), ' ', note) : null,
        h('div', { class: 'actions' },
          h('button', { type: 'button', class: 'secondary', onclick: function () { done(false); } }, 'Cancel'),
          h('button', { type: 'button', class: 'primary', id: 'confirm-ok', onclick: function () { done(true); } }, action)));
      dialog.setAttribute('aria-labelledby', 'confirm-title');
      dialog.appendChild(form);
      // Escape closes it: not confirmed.
      dialog.onclose = function () {
        resolve(null);
      };
      dialog.showModal();
      document.getElementById('confirm-ok').focus();
    });
  }

  // A label in upper case from the API's enum values: AWAITING_USER → "Awaiting user".
  function enumLabel(value) {
    if (!value) {
      return '—';
    }
    var words = value.toLowerCase().split('_');
    words[0] = words[0].charAt(0).toUpperCase() + words[0].slice(1);
    return words.join(' ');
  }

  SK.ui = {
    h: h,
    clear: clear,
    count: count,
    percent: percent,
    money: money,
    minor: minor,
    moneys: moneys,
    time: time,
    day: day,
    barChart: barChart,
    lineChart: lineChart,
    progress: progress,
    toast: toast,
    confirmDialog: confirmDialog,
    enumLabel: enumLabel,
  };
})();
