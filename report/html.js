(function () {
  'use strict';
  var body = document.body;
  try {
    var t = document.getElementById('hm');
    if (t) heatmap(t);
    body.setAttribute('data-ready', 'ok');
  } catch (err) {
    body.setAttribute('data-ready', 'error');
    throw err;
  }

  // heatmap wires the access heat map: sorting, filtering and keyboard
  // moves, all by delegation (no listener per cell).
  function heatmap(t) {
    var tb = t.tBodies[0];
    var rows = Array.prototype.slice.call(tb.rows);
    var order = new Map();
    rows.forEach(function (r, i) { order.set(r, i); });
    var sortSel = document.getElementById('hm-sort');
    var groupSel = document.getElementById('hm-group');
    var roleSel = document.getElementById('hm-role');
    var count = document.getElementById('hm-count');
    var status = document.getElementById('hm-status');
    var heads = t.tHead.rows[0].cells;
    var col = -1;

    function has(list, v) {
      if (v === '') return true;
      if (v === 'none') return list === '';
      return (' ' + list + ' ').indexOf(' ' + v + ' ') >= 0;
    }
    function filter() {
      var g = groupSel.value, r = roleSel.value, n = 0;
      for (var i = 0; i < rows.length; i++) {
        var ok = has(rows[i].getAttribute('data-g'), g) && has(rows[i].getAttribute('data-r'), r);
        rows[i].hidden = !ok;
        if (ok) n++;
      }
      count.textContent = n + ' of ' + rows.length + ' members shown';
    }
    function level(row, j) {
      var c = row.cells[j + 1];
      var d = c ? c.className.charAt(1) : '';
      return d === '' ? -1 : +d;
    }
    function num(row, a) { return +row.getAttribute(a); }
    function sort() {
      var by = sortSel.value, j = col;
      var sorted = rows.slice().sort(function (a, b) {
        var d = 0;
        if (j >= 0) d = level(b, j) - level(a, j);
        else if (by === 'member-desc') d = order.get(b) - order.get(a);
        else if (by === 'level') d = num(b, 'data-s') - num(a, 'data-s');
        else if (by === 'org') d = num(b, 'data-o') - num(a, 'data-o');
        return d || order.get(a) - order.get(b);
      });
      var f = document.createDocumentFragment();
      sorted.forEach(function (r) { f.appendChild(r); });
      tb.appendChild(f);
      for (var k = 1; k < heads.length; k++) {
        if (k - 1 === j) heads[k].setAttribute('aria-sort', 'descending');
        else heads[k].removeAttribute('aria-sort');
      }
    }
    // The view is kept in the address's fragment (#group=0&role=1&sort=level),
    // so that a filtered or sorted view can be linked to and reopened.
    function save() {
      var q = [];
      if (groupSel.value) q.push('group=' + encodeURIComponent(groupSel.value));
      if (roleSel.value) q.push('role=' + encodeURIComponent(roleSel.value));
      if (sortSel.value !== 'member') q.push('sort=' + encodeURIComponent(sortSel.value));
      if (col >= 0) q.push('col=' + col);
      try { history.replaceState(null, '', q.length ? '#' + q.join('&') : location.pathname); } catch (e) { /* file:// in some browsers */ }
    }
    function pick(sel, v) {
      for (var i = 0; i < sel.options.length; i++) {
        if (sel.options[i].value === v) { sel.value = v; return; }
      }
    }
    function restore() {
      var h = location.hash.replace(/^#/, '');
      if (!h) return;
      h.split('&').forEach(function (kv) {
        var i = kv.indexOf('='), k = kv.slice(0, i), v = decodeURIComponent(kv.slice(i + 1));
        if (k === 'group') pick(groupSel, v);
        else if (k === 'role') pick(roleSel, v);
        else if (k === 'sort') pick(sortSel, v);
        else if (k === 'col' && /^\d+$/.test(v) && +v < heads.length - 1) col = +v;
      });
      filter();
      sort();
    }
    sortSel.addEventListener('change', function () { col = -1; sort(); save(); });
    groupSel.addEventListener('change', function () { filter(); save(); });
    roleSel.addEventListener('change', function () { filter(); save(); });
    restore();
    t.tHead.addEventListener('click', function (ev) {
      var b = ev.target.closest('button[data-col]');
      if (!b) return;
      var j = +b.getAttribute('data-col');
      col = col === j ? -1 : j;
      sort();
      save();
    });
    t.addEventListener('focusin', function (ev) {
      var c = ev.target;
      if (c.tagName !== 'TD') return;
      var row = c.parentNode;
      var p = heads[c.cellIndex];
      status.textContent = row.cells[0].textContent + ' on ' + (p ? p.textContent : '') + ': ' + c.title;
    });
    t.addEventListener('keydown', function (ev) {
      var c = ev.target;
      if (c.tagName !== 'TD') return;
      var row = c.parentNode, i = c.cellIndex, next = null;
      switch (ev.key) {
        case 'ArrowLeft': next = i > 1 ? row.cells[i - 1] : null; break;
        case 'ArrowRight': next = row.cells[i + 1] || null; break;
        case 'Home': next = row.cells[1]; break;
        case 'End': next = row.cells[row.cells.length - 1]; break;
        case 'ArrowUp': case 'ArrowDown':
          var r = row;
          do { r = ev.key === 'ArrowUp' ? r.previousElementSibling : r.nextElementSibling; } while (r && r.hidden);
          next = r ? r.cells[i] : null;
          break;
        default: return;
      }
      ev.preventDefault();
      if (!next) return;
      c.tabIndex = -1;
      next.tabIndex = 0;
      next.focus();
    });
    t.addEventListener('click', function (ev) {
      var c = ev.target.closest('td');
      if (c) { c.tabIndex = 0; c.focus(); }
    });
  }
})();
