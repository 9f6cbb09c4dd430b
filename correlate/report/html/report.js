// atmq report: draws the session from the JSON document in #atmq-data.
// Plain standards JavaScript (no framework, no network): it must run from
// a file in Chromium, Firefox and Safari. The list and the swim lanes draw
// only what is in view, so 100,000 events stay usable.
(function () {
  'use strict';
  var MARKS = { start: performance.now() };

  // bytesOf reads a base64 data element, gzipped when large (unpacked by
  // the browser's own DecompressionStream), as a promise of an ArrayBuffer.
  function bytesOf(el) {
    var bin = atob(el.textContent), bytes = new Uint8Array(bin.length);
    for (var k = 0; k < bin.length; k++) bytes[k] = bin.charCodeAt(k);
    MARKS[el.id + '-base64'] = performance.now();
    if (el.getAttribute('data-encoding') !== 'gzip+base64') return Promise.resolve(bytes.buffer);
    if (typeof DecompressionStream === 'undefined') {
      return Promise.reject(new Error('this browser cannot unpack the report\'s data: it needs DecompressionStream ' +
        '(Chromium 80, Firefox 113, Safari 16.4 or later)'));
    }
    // One write of the whole input: fewer hops through the event loop
    // than a chunked Blob stream.
    var ds = new DecompressionStream('gzip'), w = ds.writable.getWriter();
    w.write(bytes).catch(function () { /* the read below reports it */ });
    w.close().catch(function () { /* the read below reports it */ });
    return new Response(ds.readable).arrayBuffer();
  }
  // decode reads a JSON data element (plain, or packed by bytesOf).
  function decode(id) {
    var el = document.getElementById(id);
    if (el.getAttribute('type') === 'application/json') return Promise.resolve(JSON.parse(el.textContent));
    return bytesOf(el).then(function (buf) {
      MARKS[id + '-unpacked'] = performance.now();
      var text = new TextDecoder().decode(buf);
      MARKS[id + '-decoded'] = performance.now();
      return JSON.parse(text);
    });
  }
  function fail(err) {
    var p = document.createElement('p');
    p.className = 'bad';
    p.textContent = 'atmq report: cannot show the session: ' + (err && err.message ? err.message : err);
    document.body.insertBefore(p, document.body.firstChild);
    console.error(err);
  }
  Promise.all([decode('atmq-data'), bytesOf(document.getElementById('atmq-cols'))])
    .then(function (v) { start(v[0], v[1]); }).catch(fail);

  function start(D, colBytes) {
    var LANES = ['MCU host\u2192module', 'module\u2192host', 'device\u2192broker', 'broker\u2192device'];
    var ROWH = 22;
    var byId = function (id) { return document.getElementById(id); };
    // The detail pane's data (transactions, events, packets, raw lines) is
    // read after the page is drawn; detail(f) calls f with it when ready.
    var DET = null, detPromise = null;
    function detail(f) {
      if (DET) { f(DET); return; }
      if (!detPromise) detPromise = decode('atmq-detail').then(function (d) { DET = d; return d; });
      detPromise.then(f).catch(fail);
    }

    MARKS.parsed = performance.now();
    // The timeline's columns, one entry per row in timeline order: the
    // numbers are typed arrays over the binary block (layout: model.go).
    var N = D.cols.text.length, off = 0;
    function col(Type) { var a = new Type(colBytes, off, N); off += N * Type.BYTES_PER_ELEMENT; return a; }
    var T = col(Float64Array), LAT = col(Float64Array), TX = col(Int32Array), EV = col(Int32Array), LINE = col(Int32Array),
      FRAME = col(Int32Array), CONN = col(Int32Array), OP = col(Int32Array), LANE = col(Uint8Array), SEV = col(Uint8Array),
      EST = col(Uint8Array), TEXT = D.cols.text, TEXTL = null;
    var i;
    // Indexes built when first needed: by line, by frame, the rows of each
    // transaction and event, the connections each touched.
    var lineRow = null, frameRow = null, txRows = null, evRows = null, txConns = null, evConns = null;
    function indexRows() {
      if (lineRow) return;
      lineRow = new Map(); frameRow = new Map(); txRows = []; evRows = []; txConns = []; evConns = [];
      for (var k = 0; k < N; k++) {
        if (LINE[k] && !lineRow.has(LINE[k])) lineRow.set(LINE[k], k);
        if (FRAME[k] && !frameRow.has(FRAME[k])) frameRow.set(FRAME[k], k);
        if (TX[k]) {
          (txRows[TX[k]] || (txRows[TX[k]] = [])).push(k);
          if (CONN[k]) (txConns[TX[k]] || (txConns[TX[k]] = {}))[CONN[k]] = true;
        }
        if (EV[k]) {
          (evRows[EV[k]] || (evRows[EV[k]] = [])).push(k);
          if (CONN[k]) (evConns[EV[k]] || (evConns[EV[k]] = {}))[CONN[k]] = true;
        }
      }
    }

    // Row indices sorted by time (ties in timeline order): the lanes' order.
    var byT = new Int32Array(N);
    (function () {
      var sorted = true, k;
      for (k = 0; k < N; k++) { byT[k] = k; if (k && T[k] < T[k - 1]) sorted = false; }
      if (!sorted) byT.sort(function (x, y) { return T[x] - T[y] || x - y; });
    })();
    MARKS.sorted = performance.now();

    // T0: the first time, as whole milliseconds since the epoch and the
    // fraction (a double holds both only at millisecond precision).
    var T0 = 0, T0F = 0;
    if (D.t0) {
      T0 = Date.parse(D.t0.replace(/(\.\d{3})\d+/, '$1'));
      var frac = /\.\d{3}(\d+)/.exec(D.t0);
      T0F = frac ? parseFloat('0.' + frac[1]) : 0;
    }

    function esc(s) {
      return String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
    }
    function pad(n, w) { n = String(n); while (n.length < w) n = '0' + n; return n; }
    // clock formats a row time: digits after the second are 0, 3 (ms) or 6 (µs).
    function clock(t, digits) {
      if (D.axis !== 'time') return '#' + Math.round(t + 1);
      if (digits === undefined) digits = 3;
      var rel = T0F + t, whole = Math.floor(rel), d = new Date(T0 + whole);
      var s = pad(d.getUTCHours(), 2) + ':' + pad(d.getUTCMinutes(), 2) + ':' + pad(d.getUTCSeconds(), 2);
      if (digits >= 3) s += '.' + pad(d.getUTCMilliseconds(), 3);
      if (digits >= 6) s += pad(Math.min(999, Math.floor((rel - whole) * 1000)), 3);
      return s;
    }
    function ms(v) {
      if (v === null || v === undefined) return '';
      var a = Math.abs(v);
      return a >= 1000 ? (v / 1000).toFixed(a >= 10000 ? 1 : 2) + ' s' : v.toFixed(a >= 100 ? 0 : 1) + ' ms';
    }
    function tag(k) { return TX[k] ? 'T' + TX[k] : (EV[k] ? 'E' + EV[k] : ''); }
    function ref(k) { return LINE[k] ? 'L' + LINE[k] : (FRAME[k] ? '#' + FRAME[k] : ''); }
    function sevName(s) { return s === 2 ? 'error' : (s === 1 ? 'warning' : ''); }
    function el(tagName, cls, html) {
      var e = document.createElement(tagName);
      if (cls) e.className = cls;
      if (html !== undefined) e.innerHTML = html;
      return e;
    }

    // ---- Header, findings, device and clock --------------------------------
    var title = 'atmq report' + (D.title ? ' \u2014 ' + D.title : '');
    byId('title').textContent = title;
    var nErr = 0;
    D.findings.forEach(function (f) { if (f.severity === 'error') nErr++; });
    var meta = [];
    if (D.sources.length) meta.push('Inputs: ' + esc(D.sources.join(', ')));
    meta.push(N.toLocaleString('en') + ' timeline events, ' + D.n_txs.toLocaleString('en') + ' AT transactions, ' +
      D.findings.length + ' findings (' + nErr + ' errors)');
    meta.push(D.redacted ? 'Secrets are masked for sharing (<code>--no-redact</code> keeps them).'
      : '<span class="bad">Not redacted: this report may contain passwords.</span>');
    byId('meta').innerHTML = meta.join(' \u00b7 ');
    if (D.input.length) {
      // What the analysis had to skip: the report shows the rest.
      var dmg = '<p class="warn">Input skipped:</p><ul class="warn">';
      D.input.slice(0, 20).forEach(function (s) {
        dmg += '<li>' + esc(s.file) + (s.line ? ' line ' + s.line : '') + (s.frame ? ' frame ' + s.frame : '') +
          (s.offset !== undefined ? ' (offset ' + s.offset + ')' : '') + ': ' + esc(s.kind) + (s.count ? ' \u00d7' + s.count : '') + ', ' + esc(s.what) + '</li>';
      });
      if (D.input.length > 20) dmg += '<li>\u2026 ' + (D.input.length - 20) + ' more</li>';
      byId('meta').insertAdjacentHTML('beforeend', dmg + '</ul>');
    }

    function evidenceLinks(f) {
      var out = [];
      var lines = f.lines && f.lines.length ? f.lines : (f.line ? [f.line] : []);
      lines.forEach(function (n) { out.push('<a class="ev" data-line="' + n + '" title="serial line ' + n + '">L' + n + '</a>'); });
      (f.frames || []).forEach(function (n) { out.push('<a class="ev" data-frame="' + n + '" title="frame ' + n + '">#' + n + '</a>'); });
      return out;
    }
    var fbox = byId('findings');
    if (!D.findings.length) {
      fbox.appendChild(el('div', 'finding info', 'No findings: nothing in this session looks wrong.'));
    }
    D.findings.forEach(function (f, k) {
      var ev = evidenceLinks(f);
      var card = el('div', 'finding ' + esc(f.severity),
        '<span class="badge ' + esc(f.severity) + '">' + esc(f.severity) + '</span><span class="code">' + esc(f.code) + '</span>' +
        esc(f.summary) +
        (f.explanation ? '<p class="expl">' + esc(f.explanation) + '</p>' : '') +
        (f.fix ? '<p class="fix"><b>Fix:</b> ' + esc(f.fix) + '</p>' : '') +
        (ev.length ? '<div class="evid">Evidence: ' + ev.join(' ') + '</div>' : ''));
      card.id = 'finding-' + (k + 1);
      card.setAttribute('data-finding', k);
      fbox.appendChild(card);
    });
    fbox.addEventListener('click', function (e) {
      var a = e.target.closest ? e.target.closest('a.ev') : null;
      var card = e.target.closest ? e.target.closest('.finding') : null;
      if (a) { e.preventDefault(); jumpTo(a); return; }
      if (card) { var first = card.querySelector('a.ev'); if (first) jumpTo(first); }
    });

    function offsetText(s) {
      var sign = s < 0 ? '\u2212' : '+', a = Math.abs(s), h = Math.floor(a / 3600), m = Math.floor((a - h * 3600) / 60);
      var sec = a - h * 3600 - m * 60;
      return sign + (h ? h + ' h ' : '') + (h || m ? m + ' min ' : '') + sec.toFixed(3) + ' s';
    }
    (function () {
      var d = D.device, c = D.clock, h = '<div><h3>Device</h3><table>';
      h += '<tr><th>client id</th><td><code>' + esc(d.client_id || '\u2014') + '</code></td></tr>';
      if (d.address) h += '<tr><th>address</th><td><code>' + esc(d.address) + '</code></td></tr>';
      if (d.server) h += '<tr><th>broker</th><td><code>' + esc(d.server) + '</code></td></tr>';
      h += '</table><p>' + esc(d.reason || '') + '</p>';
      if (d.connections.length) {
        h += '<table><tr><th>conn</th><th>client \u2192 broker</th><th>client id</th><th>frames</th></tr>';
        d.connections.forEach(function (cn) {
          h += '<tr><td>' + cn.conn + '</td><td><code>' + esc(cn.client) + ' \u2192 ' + esc(cn.server) + '</code></td><td><code>' +
            esc(cn.client_id || '') + '</code></td><td><a class="jump" data-frame="' + cn.first_frame + '">#' + cn.first_frame +
            '</a>\u2013<a class="jump" data-frame="' + cn.last_frame + '">#' + cn.last_frame + '</a></td></tr>';
        });
        h += '</table>';
      }
      h += '</div><div><h3>Clock</h3><table>';
      h += '<tr><th>offset</th><td>' + (c.method === 'none' || c.method === 'order' ? '\u2014 (no timestamps to compare)' : offsetText(c.offset_seconds) + ' (serial \u2212 capture)') + '</td></tr>';
      h += '<tr><th>method</th><td>' + esc(c.method) + (c.matches ? ', ' + c.matches + ' matches' : '') +
        (c.outliers ? ', ' + c.outliers + ' outliers' : '') + (c.spread_seconds ? ', spread ' + ms(c.spread_seconds * 1000) : '') + '</td></tr>';
      if (c.serial_time_source) h += '<tr><th>serial dates</th><td>' + esc(c.serial_time_source) + '</td></tr>';
      h += '</table><p>' + esc(c.explanation || '') + '</p><p class="hint">' +
        (D.axis === 'time' ? 'Times in this report are on the capture\u2019s clock (UTC); serial times are shifted by the offset' +
          ' (italic: placed between their neighbours, the log has no time for them).'
          : 'No times to place the events: the axis is the order of the timeline.') + '</p></div>';
      byId('session').innerHTML = h;
      byId('session').addEventListener('click', function (e) {
        var a = e.target.closest ? e.target.closest('a.jump') : null;
        if (a) { e.preventDefault(); jumpTo(a); }
      });
    })();

    // ---- Filters -------------------------------------------------------------
    var mask = new Uint8Array(N), flt = new Int32Array(0), fltT = new Int32Array(0), sel = -1;
    var fConn = byId('f-conn'), fOp = byId('f-op'), fFind = byId('f-finding'), fFail = byId('f-fail'), search = byId('search');
    (function () {
      var seen = {}, conns = [], names = {};
      D.device.connections.forEach(function (c) { names[c.conn] = c.client + ' \u2192 ' + c.server + (c.client_id ? ' (' + c.client_id + ')' : ''); });
      for (var k = 0; k < N; k++) if (CONN[k] && !seen[CONN[k]]) { seen[CONN[k]] = true; conns.push(CONN[k]); }
      conns.sort(function (a, b) { return a - b; });
      var h = '<option value="">all connections</option>';
      conns.forEach(function (c) { h += '<option value="' + c + '">conn ' + c + (names[c] ? ': ' + esc(names[c]) : '') + '</option>'; });
      fConn.innerHTML = h;
      h = '<option value="">all operations</option>';
      D.ops.map(function (o, n) { return [o, n]; }).filter(function (x) { return x[0]; })
        .sort(function (x, y) { return x[0] < y[0] ? -1 : 1; })
        .forEach(function (x) { h += '<option value="' + x[1] + '">' + esc(x[0]) + '</option>'; });
      fOp.innerHTML = h;
      h = '<option value="">all findings</option>';
      D.findings.forEach(function (f, k) { h += '<option value="' + k + '">' + esc(f.code) + (f.line ? ' (L' + f.line + ')' : '') + '</option>'; });
      fFind.innerHTML = h;
    })();

    // findingRows marks the rows a finding cites and the rest of their
    // transactions and events.
    function findingRows(f) {
      var m = new Uint8Array(N), lines = {}, frames = {}, txs = {}, evs = {}, k;
      (f.lines && f.lines.length ? f.lines : [f.line]).forEach(function (n) { if (n) lines[n] = true; });
      (f.frames || []).forEach(function (n) { frames[n] = true; });
      for (k = 0; k < N; k++) {
        if (lines[LINE[k]] || frames[FRAME[k]]) {
          m[k] = 1;
          if (TX[k]) txs[TX[k]] = true;
          if (EV[k]) evs[EV[k]] = true;
        }
      }
      for (k = 0; k < N; k++) if (txs[TX[k]] || evs[EV[k]]) m[k] = 1;
      return m;
    }

    function applyFilter() {
      var q = search.value.trim().toLowerCase(), conn = +fConn.value || 0, op = +fOp.value || 0,
        fk = fFind.value, fail = fFail.checked, fm = fk === '' ? null : findingRows(D.findings[+fk]);
      var tagQ = /^([lte#])(\d+)$/.exec(q), k, n = 0;
      if (!q && !conn && !op && !fm && !fail) {
        // Nothing filtered: every row, no need to test each.
        mask.fill(1);
        flt = new Int32Array(N);
        for (k = 0; k < N; k++) flt[k] = k;
        fltT = byT;
        showFiltered(N);
        return;
      }
      if (conn) indexRows();
      if (q && !tagQ && !TEXTL) { TEXTL = new Array(N); for (k = 0; k < N; k++) TEXTL[k] = TEXT[k].toLowerCase(); }
      for (k = 0; k < N; k++) {
        var ok = true;
        if (conn) ok = CONN[k] === conn || (TX[k] && txConns[TX[k]] && txConns[TX[k]][conn]) || (EV[k] && evConns[EV[k]] && evConns[EV[k]][conn]) || false;
        if (ok && op) ok = OP[k] === op;
        if (ok && fm) ok = fm[k] === 1;
        if (ok && fail) ok = SEV[k] > 0;
        if (ok && q) {
          if (tagQ) {
            var v = +tagQ[2];
            ok = tagQ[1] === 'l' ? LINE[k] === v : tagQ[1] === '#' ? FRAME[k] === v : tagQ[1] === 't' ? TX[k] === v : EV[k] === v;
          } else ok = TEXTL[k].indexOf(q) >= 0;
        }
        mask[k] = ok ? 1 : 0;
        if (ok) n++;
      }
      flt = new Int32Array(n); fltT = new Int32Array(n);
      var a = 0, b = 0;
      for (k = 0; k < N; k++) if (mask[k]) flt[a++] = k;
      for (k = 0; k < N; k++) if (mask[byT[k]]) fltT[b++] = byT[k];
      showFiltered(n);
    }
    function showFiltered(n) {
      byId('count').textContent = n === N ? N.toLocaleString('en') + ' events' : n.toLocaleString('en') + ' of ' + N.toLocaleString('en') + ' events';
      byId('list-spacer').style.height = (n * ROWH) + 'px';
      // Keep the selected row in view if it passed the filter, else start
      // at the top (the old offset may lie past the new end).
      var p = sel >= 0 ? posIn(flt, sel) : -1;
      list.scrollTop = p >= 0 ? Math.max(0, p * ROWH - (list.clientHeight || 400) / 2) : 0;
      renderList();
      renderLanes();
    }
    function clearFilters() {
      search.value = ''; fConn.value = ''; fOp.value = ''; fFind.value = ''; fFail.checked = false;
      applyFilter();
    }
    var searchTimer = 0;
    search.addEventListener('input', function () { clearTimeout(searchTimer); searchTimer = setTimeout(applyFilter, 150); });
    [fConn, fOp, fFind, fFail].forEach(function (s) { s.addEventListener('change', applyFilter); });

    // ---- The virtualised list -------------------------------------------------
    var list = byId('list'), rowsLayer = el('div');
    list.appendChild(rowsLayer);
    var listFrame = 0;
    list.addEventListener('scroll', function () {
      if (!listFrame) listFrame = requestAnimationFrame(function () { listFrame = 0; renderList(); });
    });
    function latencyNote(k) {
      if (isNaN(LAT[k])) return '';
      return '<span class="lat">' + (LANE[k] === 0 ? '\u2192 wire ' : 'wire \u2192 ') + ms(LAT[k]) + '</span>';
    }
    function rowHTML(k, pos) {
      var cells = ['', '', ''], lane = LANE[k], text = esc(TEXT[k]);
      if (lane === 2) cells[2] = '<span class="c2">[' + CONN[k] + '] \u2192 ' + text + '</span>';
      else if (lane === 3) cells[2] = '<span class="c3">[' + CONN[k] + '] \u2190 ' + text + '</span>';
      else cells[lane] = '<span class="c' + lane + '">' + text + '</span>' + latencyNote(k);
      return '<div class="row s' + SEV[k] + (k === sel ? ' sel' : '') + '" data-i="' + k + '" style="top:' + (pos * ROWH) + 'px">' +
        '<span class="t' + (EST[k] ? ' est' : '') + '">' + clock(T[k]) + '</span><span>' + tag(k) + '</span><span>' + ref(k) +
        '</span><span title="' + (lane < 2 ? text : '') + '">' + cells[0] + '</span><span title="' + (lane === 1 ? text : '') + '">' + cells[1] +
        '</span><span title="' + (lane > 1 ? text : '') + '">' + cells[2] + '</span></div>';
    }
    function renderList() {
      var top = list.scrollTop, h = list.clientHeight || 400;
      var first = Math.max(0, Math.floor(top / ROWH) - 8), last = Math.min(flt.length, Math.ceil((top + h) / ROWH) + 8);
      var out = [];
      for (var p = first; p < last; p++) out.push(rowHTML(flt[p], p));
      rowsLayer.innerHTML = out.join('');
    }
    list.addEventListener('click', function (e) {
      var row = e.target.closest ? e.target.closest('.row') : null;
      if (row) select(+row.getAttribute('data-i'), false);
    });
    list.addEventListener('keydown', function (e) {
      if (e.key !== 'ArrowDown' && e.key !== 'ArrowUp') return;
      e.preventDefault();
      var p = posIn(flt, sel);
      p = p < 0 ? 0 : p + (e.key === 'ArrowDown' ? 1 : -1);
      if (p >= 0 && p < flt.length) select(flt[p], true);
    });
    // posIn finds row k in an ascending index list (-1 when absent).
    function posIn(a, k) {
      var lo = 0, hi = a.length - 1;
      while (lo <= hi) { var m = (lo + hi) >> 1; if (a[m] === k) return m; if (a[m] < k) lo = m + 1; else hi = m - 1; }
      return -1;
    }

    // ---- The swim lanes -------------------------------------------------------
    var svg = byId('lanes'), GUT = 132, AX = 20, LH = 44, view = { a: 0, b: 1 };
    function extent() {
      if (!N) return { a: 0, b: 1 };
      var a = T[byT[0]], b = T[byT[N - 1]], pad = (b - a) * 0.02 || 1;
      return { a: a - pad, b: b + pad };
    }
    function fit() { view = extent(); renderLanes(); }
    function width() { return svg.clientWidth || svg.getBoundingClientRect().width || 800; }
    function xOf(t, W) { return GUT + (t - view.a) / (view.b - view.a) * (W - GUT - 8); }
    function laneY(l) { return AX + l * LH + LH / 2; }
    function lowerBound(a, t) { var lo = 0, hi = a.length; while (lo < hi) { var m = (lo + hi) >> 1; if (T[a[m]] < t) lo = m + 1; else hi = m; } return lo; }
    function niceStep(span) {
      var raw = span / 8, p = Math.pow(10, Math.floor(Math.log(raw) / Math.LN10)), f = raw / p;
      return (f < 1.5 ? 1 : f < 3.5 ? 2 : f < 7.5 ? 5 : 10) * p;
    }
    function renderLanes() {
      var W = width(), H = AX + 4 * LH + 18, s = [], l, k, p;
      for (l = 0; l < 4; l++) {
        s.push('<g class="lane" data-lane="' + l + '"><rect class="lane-bg' + (l % 2 ? ' alt' : '') + '" x="0" y="' + (AX + l * LH) + '" width="' + W + '" height="' + LH +
          '"></rect><text class="lane-label" x="6" y="' + (laneY(l) + 4) + '">' + LANES[l] + '</text></g>');
      }
      // Axis
      var span = view.b - view.a, step = niceStep(span), t0 = Math.ceil(view.a / step) * step;
      s.push('<g class="axis">');
      for (var t = t0; t <= view.b; t += step) {
        var x = xOf(t, W);
        if (x < GUT) continue;
        s.push('<line x1="' + x + '" x2="' + x + '" y1="' + (AX - 4) + '" y2="' + (AX + 4 * LH) + '"></line><text x="' + (x + 2) + '" y="' + (AX - 7) + '">' +
          (D.axis === 'time' ? clock(t, step < 1 ? 6 : step < 1000 ? 3 : 0) : '#' + Math.round(t + 1)) + '</text>');
      }
      s.push('</g>');
      var lo = lowerBound(fltT, view.a), hi = lowerBound(fltT, view.b + 1e-9), count = hi - lo;
      if (count > 2000) {
        // Too many to draw one by one: a density strip per lane.
        var BIN = 3, nb = Math.ceil((W - GUT) / BIN), bins = [], sev = [];
        for (l = 0; l < 4; l++) { bins.push(new Uint32Array(nb)); sev.push(new Uint8Array(nb)); }
        for (p = lo; p < hi; p++) {
          k = fltT[p];
          var b = Math.min(nb - 1, Math.max(0, Math.floor((xOf(T[k], W) - GUT) / BIN)));
          bins[LANE[k]][b]++;
          if (SEV[k] > sev[LANE[k]][b]) sev[LANE[k]][b] = SEV[k];
        }
        for (l = 0; l < 4; l++) {
          for (var j = 0; j < nb; j++) {
            var c = bins[l][j];
            if (!c) continue;
            var h = Math.min(LH - 8, 4 + Math.log(c) / Math.LN2 * 4);
            s.push('<rect class="bin s' + sev[l][j] + '" x="' + (GUT + j * BIN) + '" y="' + (laneY(l) - h / 2) + '" width="' + (BIN - 0.5) + '" height="' + h + '"></rect>');
          }
        }
        s.push('<text class="note" x="' + (GUT + 4) + '" y="' + (H - 4) + '">' + count.toLocaleString('en') +
          ' events in view: zoom in (wheel, +) to see each one and the pairing</text>');
      } else {
        // Pairing: command → packets → result URC, one path per transaction
        // (and URC event) with a row in view.
        var txSeen = {}, evSeen = {}, paths = [];
        indexRows();
        for (p = lo; p < hi; p++) { k = fltT[p]; if (TX[k]) txSeen[TX[k]] = true; if (EV[k]) evSeen[EV[k]] = true; }
        var drawPath = function (rows, cls) {
          var pts = [], last = null;
          for (var q = 0; q < rows.length; q++) {
            var kk = rows[q];
            if (!mask[kk]) continue;
            pts.push({ x: xOf(T[kk], W), y: laneY(LANE[kk]), k: kk });
          }
          if (pts.length < 2) return;
          pts.sort(function (u, v) { return u.x - v.x || u.k - v.k; });
          var d = '';
          for (q = 0; q < pts.length; q++) { d += (q ? 'L' : 'M') + pts[q].x.toFixed(1) + ' ' + pts[q].y; last = pts[q]; }
          paths.push('<path class="pair ' + cls + '" d="' + d + '"></path>');
          return pts;
        };
        var latency = count <= 400 ? [] : null;
        Object.keys(txSeen).forEach(function (n) {
          var rows = txRows[n], failed = false;
          for (var q = 0; q < rows.length; q++) if (SEV[rows[q]] === 2) failed = true;
          var pts = drawPath(rows, 'tx s' + (failed ? 2 : 0));
          if (!pts || !latency) return;
          var cmd = null, res = null, firstNet = null, lastNet = null;
          pts.forEach(function (pt) {
            var ln = LANE[pt.k];
            if (ln === 0 && !isNaN(LAT[pt.k])) cmd = pt;
            if (ln >= 2) { if (!firstNet) firstNet = pt; lastNet = pt; }
            if (ln === 1 && !isNaN(LAT[pt.k])) res = pt;
          });
          if (cmd && firstNet && firstNet.x - cmd.x > 34)
            latency.push('<text class="lat" x="' + ((cmd.x + firstNet.x) / 2 - 14).toFixed(1) + '" y="' + (laneY(1) + 3) + '">' + ms(LAT[cmd.k]) + '</text>');
          if (res && lastNet && res.x - lastNet.x > 34)
            latency.push('<text class="lat" x="' + ((res.x + lastNet.x) / 2 - 14).toFixed(1) + '" y="' + (laneY(1) + 16) + '">' + ms(LAT[res.k]) + '</text>');
        });
        Object.keys(evSeen).forEach(function (n) { drawPath(evRows[n], 'ev'); });
        s.push(paths.join(''));
        if (latency) s.push(latency.join(''));
        var lastLabel = [-1e9, -1e9, -1e9, -1e9];
        for (p = lo; p < hi; p++) {
          k = fltT[p];
          var mx = xOf(T[k], W), y = laneY(LANE[k]);
          s.push('<rect class="mark l' + LANE[k] + ' s' + SEV[k] + (k === sel ? ' sel' : '') + '" data-i="' + k + '" x="' + (mx - 3).toFixed(1) + '" y="' + (y - 9) +
            '" width="6" height="18"><title>' + esc(clock(T[k]) + ' ' + tag(k) + ' ' + ref(k) + ' ' + TEXT[k]) + '</title></rect>');
          if (count <= 300 && mx - lastLabel[LANE[k]] > 120) {
            lastLabel[LANE[k]] = mx;
            s.push('<text class="lbl" x="' + (mx + 5).toFixed(1) + '" y="' + (y - 11) + '">' + esc(TEXT[k].length > 22 ? TEXT[k].slice(0, 21) + '\u2026' : TEXT[k]) + '</text>');
          }
        }
      }
      if (sel >= 0) {
        var sx = xOf(T[sel], W);
        if (sx >= GUT && sx <= W) s.push('<line class="cursor" x1="' + sx + '" x2="' + sx + '" y1="' + AX + '" y2="' + (AX + 4 * LH) + '"></line>');
      }
      svg.setAttribute('viewBox', '0 0 ' + W + ' ' + H);
      svg.innerHTML = s.join('');
    }
    function zoom(f, atX) {
      var W = width(), x = atX === undefined ? (GUT + W) / 2 : atX;
      var t = view.a + (x - GUT) / (W - GUT - 8) * (view.b - view.a), span = (view.b - view.a) * f;
      var full = extent(), min = D.axis === 'time' ? 0.05 : 2;
      if (span < min) span = min;
      if (span > (full.b - full.a) * 4) span = (full.b - full.a) * 4;
      var ratio = (t - view.a) / (view.b - view.a);
      view = { a: t - ratio * span, b: t - ratio * span + span };
      renderLanes();
    }
    byId('z-in').addEventListener('click', function () { zoom(0.5); });
    byId('z-out').addEventListener('click', function () { zoom(2); });
    byId('z-fit').addEventListener('click', fit);
    svg.addEventListener('wheel', function (e) {
      e.preventDefault();
      var rect = svg.getBoundingClientRect();
      zoom(Math.exp(e.deltaY * 0.0015), e.clientX - rect.left);
    }, { passive: false });
    var drag = null;
    svg.addEventListener('pointerdown', function (e) {
      drag = { x: e.clientX, a: view.a, b: view.b, moved: false, target: e.target };
      if (svg.setPointerCapture && e.pointerId !== undefined) { try { svg.setPointerCapture(e.pointerId); } catch (err) { /* not capturable */ } }
    });
    svg.addEventListener('pointermove', function (e) {
      if (!drag) return;
      var dx = e.clientX - drag.x;
      if (Math.abs(dx) > 3) { drag.moved = true; svg.classList.add('drag'); }
      if (!drag.moved) return;
      var dt = dx / (width() - GUT - 8) * (drag.b - drag.a);
      view = { a: drag.a - dt, b: drag.b - dt };
      renderLanes();
    });
    svg.addEventListener('pointerup', function (e) {
      var d = drag;
      drag = null;
      svg.classList.remove('drag');
      if (!d || d.moved) return;
      var target = d.target && d.target.getAttribute ? d.target : null;
      if (target && target.getAttribute('data-i') === null && target.parentNode && target.parentNode.getAttribute) target = target.parentNode;
      if (target && target.getAttribute('data-i') !== null) select(+target.getAttribute('data-i'), true);
    });
    svg.addEventListener('dblclick', function (e) { var rect = svg.getBoundingClientRect(); zoom(0.5, e.clientX - rect.left); });
    var resizeTimer = 0;
    window.addEventListener('resize', function () { clearTimeout(resizeTimer); resizeTimer = setTimeout(function () { renderLanes(); renderList(); }, 100); });

    // ---- Selection and the detail pane -------------------------------------
    function jumpTo(a) {
      var line = a.getAttribute('data-line'), frame = a.getAttribute('data-frame'), k = -1;
      indexRows();
      if (line) k = nearest(lineRow, LINE, +line);
      else if (frame) k = nearest(frameRow, FRAME, +frame);
      if (k < 0) return;
      select(k, true);
      var rowEl = rowsLayer.querySelector('.row.sel');
      if (rowEl && rowEl.scrollIntoView) rowEl.scrollIntoView({ block: 'center' });
    }
    // nearest is the row naming n, else the row naming the closest number.
    function nearest(index, col, n) {
      if (index.has(n)) return index.get(n);
      var best = -1, dist = Infinity;
      for (var k = 0; k < N; k++) if (col[k] && Math.abs(col[k] - n) < dist) { dist = Math.abs(col[k] - n); best = k; }
      return best;
    }
    function select(k, scroll) {
      if (k < 0 || k >= N) return;
      sel = k;
      if (!mask[k]) clearFilters();
      var p = posIn(flt, k);
      if (scroll && p >= 0) {
        var top = p * ROWH, h = list.clientHeight || 400;
        if (top < list.scrollTop || top + ROWH > list.scrollTop + h) list.scrollTop = Math.max(0, top - h / 2 + ROWH / 2);
      }
      if (T[k] < view.a || T[k] > view.b) {
        var span = view.b - view.a;
        view = { a: T[k] - span / 2, b: T[k] + span / 2 };
      }
      renderList();
      renderLanes();
      renderDetail(k);
    }

    function kvRows(obj) {
      var h = '';
      Object.keys(obj).forEach(function (key) {
        var v = obj[key];
        if (key === 'violations') return;
        if ((key === 'properties' || key === 'will_properties') && v && v.length) {
          v.forEach(function (pr) {
            h += '<tr><td>' + esc(key === 'will_properties' ? 'will ' : '') + esc(pr.name) + (pr.key ? ' [' + esc(pr.key) + ']' : '') + '</td><td>' +
              esc(typeof pr.value === 'string' ? pr.value : JSON.stringify(pr.value)) + (pr.hex ? ' (hex)' : '') + '</td></tr>';
          });
          return;
        }
        if (key === 'topics' && v && v.length) {
          v.forEach(function (tp, n) {
            var opts = Object.keys(tp).filter(function (x) { return x !== 'filter'; }).map(function (x) { return x + '=' + tp[x]; });
            h += '<tr><td>topic ' + (n + 1) + '</td><td>' + esc(tp.filter) + (opts.length ? ' <span class="hint">' + esc(opts.join(', ')) + '</span>' : '') + '</td></tr>';
          });
          return;
        }
        if (v !== null && typeof v === 'object') v = JSON.stringify(v);
        h += '<tr><td>' + esc(key.replace(/_/g, ' ')) + '</td><td>' + esc(v) + '</td></tr>';
      });
      return h;
    }
    function serialAround(det, center, hits) {
      var S = det.serial;
      if (!D.has_serial) return '<p class="hint">No serial log in this report.</p>';
      var lo = 0, hi = S.length;
      while (lo < hi) { var m = (lo + hi) >> 1; if (S[m][0] < center - 6) lo = m + 1; else hi = m; }
      var h = '';
      for (var q = lo; q < S.length && S[q][0] <= center + 6; q++) {
        h += '<div' + (hits[S[q][0]] ? ' class="hit"' : '') + '><span class="n">' + S[q][0] + '</span>' + esc(S[q][1]) + '</div>';
      }
      return h ? '<div class="serial">' + h + '</div>' : '<p class="hint">No raw lines kept around line ' + center + '.</p>';
    }
    function frameLinks(frames) {
      return (frames || []).map(function (n) { return '<a class="jump" data-frame="' + n + '">#' + n + '</a>'; }).join(' ');
    }
    function renderDetail(k) {
      detail(function (det) { if (sel === k) renderDetailWith(k, det); });
    }
    function renderDetailWith(k, det) {
      var box = byId('detail'), h = '<h3>' + esc(LANES[LANE[k]]) + ' \u00b7 ' + clock(T[k]) + (EST[k] ? ' (placed)' : '') + '</h3><table class="kv">';
      h += '<tr><td>text</td><td>' + esc(TEXT[k]) + '</td></tr>';
      if (TX[k]) h += '<tr><td>transaction</td><td>T' + TX[k] + '</td></tr>';
      if (EV[k]) h += '<tr><td>event</td><td>E' + EV[k] + '</td></tr>';
      if (LINE[k]) h += '<tr><td>serial line</td><td>' + LINE[k] + '</td></tr>';
      if (FRAME[k]) h += '<tr><td>frame</td><td>' + FRAME[k] + (CONN[k] ? ' (connection ' + CONN[k] + ')' : '') + '</td></tr>';
      h += '</table>';
      var hits = {}, center = LINE[k];
      if (LINE[k]) hits[LINE[k]] = true;
      if (TX[k]) {
        var t = det.txs[TX[k] - 1], L = t.latency_ms;
        h += '<h3>Transaction T' + TX[k] + '</h3><table class="kv">' +
          '<tr><td>command</td><td>' + esc(t.command) + '</td></tr><tr><td>operation</td><td>' + esc(t.op) + '</td></tr>' +
          '<tr><td>final</td><td>' + esc(t.final) + '</td></tr><tr><td>result</td><td>' + esc(t.result) + '</td></tr>' +
          '<tr><td>outcome</td><td' + (t.outcome === 'failed' ? ' class="bad"' : '') + '>' + esc(t.outcome || '\u2014') + '</td></tr>' +
          (L ? '<tr><td>latency</td><td>' + (L.command_to_wire !== undefined ? 'command \u2192 wire ' + ms(L.command_to_wire) : '') +
            (L.wire_to_result !== undefined ? ' \u00b7 wire \u2192 result ' + ms(L.wire_to_result) : '') + '</td></tr>' : '') +
          '<tr><td>frames</td><td>' + (frameLinks(t.frames) || '\u2014') + '</td></tr></table>';
        hits[t.line] = true;
        if (t.result_line) hits[t.result_line] = true;
        if (!center) center = t.line;
      }
      if (EV[k]) {
        var e = det.events[EV[k] - 1];
        h += '<h3>Event E' + EV[k] + '</h3><table class="kv"><tr><td>URC</td><td>' + esc(e.text) + '</td></tr><tr><td>operation</td><td>' +
          esc(e.op) + '</td></tr><tr><td>frames</td><td>' + (frameLinks(e.frames) || '\u2014') + '</td></tr></table>';
        hits[e.line] = true;
        if (!center) center = e.line;
      }
      var cites = [];
      D.findings.forEach(function (f, n) {
        var lines = f.lines && f.lines.length ? f.lines : [f.line];
        if ((LINE[k] && lines.indexOf(LINE[k]) >= 0) || (FRAME[k] && (f.frames || []).indexOf(FRAME[k]) >= 0))
          cites.push('<div><span class="badge ' + esc(f.severity) + '">' + esc(f.severity) + '</span> <a href="#finding-' + (n + 1) + '">' + esc(f.code) + '</a>: ' + esc(f.summary) + '</div>');
      });
      if (cites.length) h += '<h3>Findings citing it</h3>' + cites.join('');
      if (FRAME[k]) {
        var recs = det.frames[String(FRAME[k])] || [];
        var conns = det.conns;
        recs.forEach(function (fr) {
          var dir = fr.from_client ? 'device \u2192 broker' : 'broker \u2192 device';
          var where = '<tr><td>connection</td><td>' + fr.conn + (conns[fr.conn] ? ': ' + esc(conns[fr.conn]) : '') + '</td></tr>';
          if (fr.mqtt) {
            h += '<h3>Frame #' + FRAME[k] + ': MQTT ' + esc(fr.mqtt.type) + ' (' + dir + ')</h3>';
            (fr.mqtt.violations || []).forEach(function (v) { h += '<div class="viol">\u26a0 spec violation: ' + esc(v) + '</div>'; });
            h += '<table class="kv">' + kvRows(fr.mqtt) + where + (fr.midstream ? '<tr><td>mid-stream</td><td>decoded after resynchronising' +
                (fr.skipped ? ' (' + fr.skipped + ' bytes skipped)' : '') + '</td></tr>' : '') + '</table>';
          } else if (fr.event) {
            h += '<h3>Frame #' + FRAME[k] + ': ' + esc(fr.event.type) + ' (' + dir + ')</h3><table class="kv">' + kvRows(fr.event) + where + '</table>';
          }
        });
        if (!recs.length) h += '<p class="hint">No decoded record of frame #' + FRAME[k] + ' in this report.</p>';
      }
      if (center) h += '<h3>Serial log around line ' + center + '</h3>' + serialAround(det, center, hits);
      box.innerHTML = h;
    }
    byId('detail').addEventListener('click', function (e) {
      var a = e.target.closest ? e.target.closest('a.jump') : null;
      if (a) { e.preventDefault(); jumpTo(a); }
    });

    MARKS.built = performance.now();
    view = extent();
    applyFilter();
    MARKS.drawn = performance.now();
    window.atmqReport = { rows: N, readyAt: MARKS.drawn, marks: MARKS };
    document.body.setAttribute('data-ready', '1');
    // Unpack the detail pane's data once the page has settled.
    setTimeout(function () { detail(function () {}); }, 500);
  }
})();
