// The style sheet and scripts of the HTML reports (report_html.hpp puts them into every page):
// kReportCss and kReportJs for both pages, kRunJs for the gene lookup of a run's page.
//
// Plain ES2017 and CSS that Chromium, Firefox and Safari of the last years all run, with no
// library: the pages must open offline, so nothing can be fetched. The script only adds to a
// page that is complete without it (sorting, filtering, the lookup).
#pragma once

namespace deepdiff_report {

inline constexpr const char* kReportCss = R"CSS(
:root { --fg: #1d2125; --muted: #5b6671; --line: #d8dee4; --head: #f4f6f8; --accent: #2b5b88;
        --warn: #c46a13; --warn-bg: #fff5e8; --miss: #6f7f8f; --miss-bg: #eef2f6; }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; scroll-padding-top: 44px; }
body { margin: 0; color: var(--fg); background: #fff;
       font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
       overflow-wrap: break-word; }
nav.top { position: sticky; top: 0; z-index: 10; background: var(--head); border-bottom: 1px solid var(--line);
          padding: 6px 16px; display: flex; flex-wrap: wrap; gap: 2px 16px; font-size: 14px; }
nav.top a { color: var(--accent); text-decoration: none; white-space: nowrap; }
nav.top a:hover { text-decoration: underline; }
main { max-width: 1120px; margin: 0 auto; padding: 8px 16px 40px; }
footer { max-width: 1120px; margin: 0 auto; padding: 12px 16px 24px; color: var(--muted); font-size: 13px;
         border-top: 1px solid var(--line); }
h1 { font-size: 1.55em; line-height: 1.25; margin: .6em 0 .25em; }
h2 { font-size: 1.25em; margin: 1.8em 0 .5em; padding-top: .5em; border-top: 1px solid var(--line); }
h3 { font-size: 1.05em; margin: 1.2em 0 .4em; }
p { margin: .4em 0 .7em; max-width: 90ch; }
a { color: var(--accent); }
.muted { color: var(--muted); }
.sub { color: var(--muted); margin-top: 0; }
code, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .9em;
              overflow-wrap: anywhere; }
.headline { display: flex; flex-wrap: wrap; gap: 10px; margin: 12px 0; }
.stat { border: 1px solid var(--line); border-radius: 6px; padding: 6px 12px; min-width: 112px; }
.stat .v { display: block; font-size: 1.3em; font-weight: 600; font-variant-numeric: tabular-nums; }
.stat .k { display: block; font-size: .82em; color: var(--muted); }
.notice { border-left: 4px solid var(--miss); background: var(--miss-bg); padding: 7px 12px; margin: 10px 0;
          border-radius: 3px; max-width: 100ch; }
.notice.warn { border-left-color: var(--warn); background: var(--warn-bg); }
.notice ul { margin: .2em 0; padding-left: 1.3em; }
figure.fig { margin: 16px 0 22px; }
figure.fig svg { display: block; max-width: 100%; height: auto; }
figcaption { font-size: .9em; color: var(--muted); max-width: 90ch; margin-top: 4px; }
.row { display: flex; flex-wrap: wrap; gap: 0 24px; align-items: flex-start; }
.row > figure { flex: 1 1 420px; min-width: 0; }
.table-wrap { overflow-x: auto; max-width: 100%; }
.table-wrap.tall { max-height: 72vh; overflow-y: auto; border: 1px solid var(--line); }
table { border-collapse: collapse; font-size: 14px; }
caption { text-align: left; color: var(--muted); font-size: .9em; padding: 4px 0; caption-side: top; }
th, td { padding: 3px 10px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
thead th { position: sticky; top: 0; background: var(--head); z-index: 1; white-space: nowrap; }
th button.sort { font: inherit; font-weight: 600; color: inherit; background: none; border: 0; padding: 0;
                 cursor: pointer; text-align: inherit; }
th button.sort::after { content: " \2195"; color: #9aa5b1; }
th[aria-sort=descending] button.sort::after { content: " \25BC"; color: var(--fg); }
th[aria-sort=ascending] button.sort::after { content: " \25B2"; color: var(--fg); }
tbody tr:hover { background: #f7f9fb; }
#gene-table td { white-space: nowrap; }
html.js #gene-table tbody td:first-child { color: var(--accent); text-decoration: underline; cursor: pointer; }
table.kv th { font-weight: 600; white-space: nowrap; }
table.kv td { overflow-wrap: break-word; }
html:not(.js) .js-only { display: none !important; }
.filter { margin: 8px 0; }
input[type=search], input[type=text] { font: inherit; padding: 5px 9px; border: 1px solid #9aa5b1; border-radius: 4px;
                                        max-width: 100%; }
button.go { font: inherit; padding: 5px 14px; border: 1px solid var(--accent); background: var(--accent);
            color: #fff; border-radius: 4px; cursor: pointer; }
button.link { font: inherit; color: var(--accent); background: none; border: 0; padding: 0 2px; cursor: pointer;
              text-decoration: underline; }
.lookup form { display: flex; flex-wrap: wrap; gap: 6px; align-items: center; margin: 8px 0; }
.lookup form input { width: 22em; }
.gene-stats { display: flex; flex-wrap: wrap; gap: 10px; margin: 8px 0; }
.panels { display: grid; grid-template-columns: repeat(var(--cells, 2), minmax(0, 1fr)); gap: 6px 14px; }
.panel { min-width: 0; }
.panel svg, .beta-bars svg { display: block; width: 100%; height: auto; }
.beta-bars { max-width: 520px; }
.legend-line { font-size: .85em; color: var(--muted); }
.swatch { display: inline-block; width: 14px; height: 9px; margin: 0 4px 0 10px; vertical-align: baseline; }
@media (max-width: 640px) {
  body { font-size: 14px; }
  main { padding: 6px 10px 30px; }
  th, td { padding: 3px 6px; }
  .lookup form input { width: 100%; }
  .panels { grid-template-columns: minmax(0, 1fr); }
  table.kv th { white-space: normal; }
  .stat { min-width: 96px; padding: 4px 8px; }
}
)CSS";

// Both pages: sortable tables, filter boxes.
inline constexpr const char* kReportJs = R"JS(
'use strict';
document.documentElement.classList.add('js');
(function () {
  // The key a cell sorts by: data-v (the full number behind the rounded text), else its text.
  function key(cell, numeric) {
    var v = cell ? cell.getAttribute('data-v') : null;
    if (v === null) v = cell ? cell.textContent.trim() : '';
    if (!numeric) return v.toLowerCase();
    var x = parseFloat(v);
    return isNaN(x) ? null : x;
  }
  function sortBy(table, col, th) {
    var numeric = th.getAttribute('data-type') === 'num';
    var now = th.getAttribute('aria-sort');
    // Numbers largest first (the worst error, the strongest change), text A to Z; again: reversed.
    var desc = numeric ? now !== 'descending' : now === 'ascending';
    var body = table.tBodies[0];
    var rows = Array.prototype.map.call(body.rows, function (r, i) {
      return { row: r, k: key(r.cells[col], numeric), i: i };
    });
    rows.sort(function (a, b) {
      if (a.k === null || b.k === null) return a.k === b.k ? a.i - b.i : (a.k === null ? 1 : -1);
      var c = a.k < b.k ? -1 : (a.k > b.k ? 1 : 0);
      return (desc ? -c : c) || a.i - b.i;
    });
    var frag = document.createDocumentFragment();
    rows.forEach(function (x) { frag.appendChild(x.row); });
    body.appendChild(frag);
    Array.prototype.forEach.call(th.parentNode.cells, function (h) { h.removeAttribute('aria-sort'); });
    th.setAttribute('aria-sort', desc ? 'descending' : 'ascending');
  }
  document.querySelectorAll('table.sortable').forEach(function (table) {
    if (!table.tHead || !table.tBodies.length) return;
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, col) {
      var b = document.createElement('button');
      b.type = 'button';
      b.className = 'sort';
      while (th.firstChild) b.appendChild(th.firstChild);
      th.appendChild(b);
      b.addEventListener('click', function () { sortBy(table, col, th); });
    });
  });
  document.querySelectorAll('input[data-filter]').forEach(function (input) {
    var id = input.getAttribute('data-filter');
    var table = document.getElementById(id), shown = document.getElementById(id + '-count');
    if (!table) return;
    var rows = table.tBodies[0].rows;
    input.addEventListener('input', function () {
      var words = input.value.toLowerCase().split(/\s+/).filter(Boolean), n = 0;
      for (var i = 0; i < rows.length; i++) {
        var text = rows[i].textContent.toLowerCase();
        var keep = words.every(function (w) { return text.indexOf(w) >= 0; });
        rows[i].hidden = !keep;
        if (keep) n++;
      }
      if (shown) shown.textContent = n.toLocaleString('en-US') + ' of ' + rows.length.toLocaleString('en-US') + ' rows';
    });
  });
})();
)JS";

// The run page's gene lookup. Reads two elements the page embeds:
//   #run-data      JSON: genes {id, symbol, chrom, tss, strand, y, pred}, cells, beta {names,
//                  q: base64 of uint16 little-endian round(65535 beta), gene-major, mean},
//                  profiles {encoding, layout, ...} (report.hpp, run_data_json)
//   #run-alpha, #run-signal  base64 of the alpha and signal rows' bytes, deflated where the
//                  block's encoding is "deflate" (report.hpp, block_layout)
// and draws the gene's numbers, its beta bars and per mark its alpha and input signal.
inline constexpr const char* kRunJs = R"JS(
(function () {
  var dataEl = document.getElementById('run-data');
  if (!dataEl) return;
  var D = JSON.parse(dataEl.textContent);
  var genes = D.genes, G = genes.id.length;
  var form = document.getElementById('lookup-form'), input = document.getElementById('lookup-input');
  var statusEl = document.getElementById('lookup-status'), out = document.getElementById('lookup-result');
  if (!form) return;

  function esc(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c];
    });
  }
  function fmt(v, d) { return v === null || !isFinite(v) ? '\u2013' : (Math.abs(v) < 0.5 * Math.pow(10, -d) ? 0 : v).toFixed(d); }
  function bytesOf(b64) {
    var bin = atob(b64), n = bin.length, o = new Uint8Array(n);
    for (var i = 0; i < n; i++) o[i] = bin.charCodeAt(i);
    return o;
  }

  var byId = new Map(), bySymbol = new Map();
  for (var i = 0; i < G; i++) {
    byId.set(genes.id[i].toLowerCase(), i);
    var s = (genes.symbol[i] || '').toLowerCase();
    if (s) { if (!bySymbol.has(s)) bySymbol.set(s, []); bySymbol.get(s).push(i); }
  }
  var beta = D.beta ? new DataView(bytesOf(D.beta.q).buffer) : null;
  function betaAt(g, k) { return beta.getUint16(2 * (g * D.beta.names.length + k), true) / 65535; }

  // The per-gene profiles (alpha, input signals): unpacked once, on the first lookup.
  function unpack(id, part) {
    var el = document.getElementById(id);
    if (!el || !part) return Promise.resolve(null);
    var bytes = bytesOf(el.textContent.trim());
    if (part.encoding === 'none') return Promise.resolve(bytes);
    if (typeof DecompressionStream === 'undefined')
      return Promise.reject(new Error('this browser cannot unpack them (it lacks DecompressionStream: ' +
                                      'Chromium 80, Firefox 113, Safari 16.4 and later have it)'));
    return new Response(new Blob([bytes]).stream().pipeThrough(new DecompressionStream('deflate')))
      .arrayBuffer().then(function (b) { return new Uint8Array(b); });
  }
  var parts = null;
  function loadProfiles() {
    if (!parts) parts = Promise.all([unpack('run-alpha', D.profiles.alpha), unpack('run-signal', D.profiles.signal)]);
    return parts;
  }
  // Row r of a block of rows quantized to bytes: value = lo + q * step (float32 lo, step per row;
  // lo = 0 where the block has none).
  function row(bytes, part, r) {
    var T = D.profiles.bins, view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    var lo = part.lo >= 0 ? view.getFloat32(part.lo + 4 * r, true) : 0, step = view.getFloat32(part.step + 4 * r, true);
    var o = new Float64Array(T), q = 0, mask = part.bits === 4 ? 15 : 255;
    for (var t = 0; t < T; t++) {
      var i = r * T + t;
      var b = part.bits === 4 ? (bytes[part.q + (i >> 1)] >> ((i & 1) * 4)) & 15 : bytes[part.q + i];
      q = part.delta ? (q + b) & mask : b;  // alpha is stored as differences of neighbouring bins
      o[t] = lo + q * step;
    }
    return o;
  }

  function stat(label, value, id, tip) {
    return '<div class="stat"' + (tip ? ' title="' + esc(tip) + '"' : '') + '><span class="v"' + (id ? ' id="' + id + '"' : '') +
           '>' + value + '</span><span class="k">' + esc(label) + '</span></div>';
  }

  function betaSvg(g) {
    var names = D.beta.names, K = names.length, mean = D.beta.mean, max = 0, k;
    for (k = 0; k < K; k++) max = Math.max(max, betaAt(g, k), mean[k]);
    max = max > 0 ? max : 1;
    var W = 460, L = 136, R = 54, H = 18 * K + 34, o = [];
    o.push('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ' + W + ' ' + H + '" role="img" aria-label="beta of the gene per channel">');
    for (k = 0; k < K; k++) {
      var y = 8 + 18 * k, v = betaAt(g, k), w = (W - L - R) * v / max, m = L + (W - L - R) * mean[k] / max;
      o.push('<text x="' + (L - 6) + '" y="' + (y + 12) + '" font-size="12" text-anchor="end" fill="#333">' + esc(names[k]) + '</text>');
      o.push('<rect x="' + L + '" y="' + (y + 2) + '" width="' + w.toFixed(1) + '" height="13" fill="#4e79a7"/>');
      o.push('<line x1="' + m.toFixed(1) + '" x2="' + m.toFixed(1) + '" y1="' + y + '" y2="' + (y + 17) + '" stroke="#e15759" stroke-width="2"/>');
      o.push('<text class="beta-value" data-channel="' + esc(names[k]) + '" x="' + (W - 4) + '" y="' + (y + 12) +
             '" font-size="12" text-anchor="end" fill="#333">' + fmt(v, 4) + '</text>');
    }
    var yb = 8 + 18 * K + 14;
    o.push('<rect x="' + L + '" y="' + (yb - 9) + '" width="14" height="9" fill="#4e79a7"/><text x="' + (L + 18) + '" y="' + yb +
           '" font-size="11" fill="#555">this gene</text>');
    o.push('<line x1="' + (L + 90) + '" x2="' + (L + 90) + '" y1="' + (yb - 11) + '" y2="' + (yb + 1) + '" stroke="#e15759" stroke-width="2"/>' +
           '<text x="' + (L + 96) + '" y="' + yb + '" font-size="11" fill="#555">mean over the test genes</text>');
    o.push('</svg>');
    return o.join('');
  }

  // One mark and cell: the input signal per bin (grey bars, above) and alpha per bin (line, below),
  // each on its own scale; the TSS dashed; the test genes' mean alpha dotted for comparison.
  function panelSvg(title, signal, alpha, meanAlpha) {
    var P = D.profiles, T = P.bins, W = 300, L = 8, R = 8, top = 20, sh = 44, gap = 8, ah = 44, H = top + sh + gap + ah + 20;
    var x = function (t) { return L + (W - L - R) * t / T; }, o = [], maxes = [], t, v;
    o.push('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ' + W + ' ' + H + '" role="img" aria-label="' + esc(title) + '">');
    o.push('<text x="' + L + '" y="13" font-size="12" font-weight="600" fill="#222">' + esc(title) + '</text>');
    o.push('<rect x="' + L + '" y="' + top + '" width="' + (W - L - R) + '" height="' + sh + '" fill="#fafbfc" stroke="#e3e7eb"/>');
    o.push('<rect x="' + L + '" y="' + (top + sh + gap) + '" width="' + (W - L - R) + '" height="' + ah + '" fill="#fafbfc" stroke="#e3e7eb"/>');
    if (signal) {
      var smax = 0, smin = 0;
      for (t = 0; t < T; t++) { smax = Math.max(smax, signal[t]); smin = Math.min(smin, signal[t]); }
      var span = smax - smin || 1, zero = top + sh * smax / span, bars = [];
      for (t = 0; t < T; t++) {
        v = signal[t];
        if (v === 0) continue;
        var y0 = top + sh * (smax - Math.max(v, 0)) / span, h = sh * Math.abs(v) / span;
        bars.push('M' + x(t).toFixed(1) + ' ' + y0.toFixed(1) + 'h' + Math.max(0.6, x(1) - x(0)).toFixed(2) + 'v' + h.toFixed(1) + 'h-' +
                  Math.max(0.6, x(1) - x(0)).toFixed(2) + 'z');
      }
      if (bars.length) o.push('<path class="signal" d="' + bars.join('') + '" fill="#7f8c99"/>');
      if (smin < 0) o.push('<line x1="' + L + '" x2="' + (W - R) + '" y1="' + zero.toFixed(1) + '" y2="' + zero.toFixed(1) + '" stroke="#bbb"/>');
      maxes.push('signal ' + (smax === Math.round(smax) ? String(smax) : fmt(smax, 2)));
    } else {
      o.push('<text x="' + (W / 2) + '" y="' + (top + sh / 2 + 4) + '" font-size="11" text-anchor="middle" fill="#888">no input signal</text>');
    }
    var a0 = top + sh + gap;
    if (alpha) {
      var amax = 0;
      for (t = 0; t < T; t++) amax = Math.max(amax, alpha[t], meanAlpha ? meanAlpha[t] : 0);
      amax = amax || 1;
      var line = function (vals) {
        var p = [];
        for (var t = 0; t < T; t++) p.push((t ? 'L' : 'M') + (x(t) + 0.5 * (x(1) - x(0))).toFixed(1) + ' ' + (a0 + ah - ah * vals[t] / amax).toFixed(1));
        return p.join('');
      };
      if (meanAlpha) o.push('<path d="' + line(meanAlpha) + '" fill="none" stroke="#e15759" stroke-width="1" stroke-dasharray="2 2"/>');
      o.push('<path class="alpha" d="' + line(alpha) + '" fill="none" stroke="#2b5b88" stroke-width="1.5"/>');
      maxes.push('\u03b1 ' + fmt(amax, 4));
    } else {
      o.push('<text x="' + (W / 2) + '" y="' + (a0 + ah / 2 + 4) + '" font-size="11" text-anchor="middle" fill="#888">no \u03b1 for this channel</text>');
    }
    if (maxes.length)
      o.push('<text x="' + (W - R) + '" y="13" font-size="10" text-anchor="end" fill="#555">max: ' + maxes.join(', ') + '</text>');
    var tss = x(P.tss_bin);
    o.push('<line x1="' + tss.toFixed(1) + '" x2="' + tss.toFixed(1) + '" y1="' + top + '" y2="' + (a0 + ah) + '" stroke="#222" stroke-dasharray="3 2"/>');
    var yl = a0 + ah + 13;
    o.push('<text x="' + L + '" y="' + yl + '" font-size="10" fill="#555">' + esc(P.kb_first) + '</text>');
    o.push('<text x="' + tss.toFixed(1) + '" y="' + yl + '" font-size="10" text-anchor="middle" fill="#222">TSS</text>');
    o.push('<text x="' + (W - R) + '" y="' + yl + '" font-size="10" text-anchor="end" fill="#555">' + esc(P.kb_last) + '</text>');
    o.push('</svg>');
    return o.join('');
  }

  function drawProfiles(g, box) {
    var P = D.profiles;
    if (!P) { box.innerHTML = '<p class="muted">' + esc(D.no_profiles || 'No profiles in this report.') + '</p>'; return; }
    box.innerHTML = '<p class="muted">unpacking the profiles\u2026</p>';
    loadProfiles().then(function (unpacked) {
      if (current !== g) return;  // another gene was looked up meanwhile
      var alphaBytes = unpacked[0], signalBytes = unpacked[1], html = [], M = P.marks.length;
      P.marks.forEach(function (mark, m) {
        P.cells.forEach(function (cell) {
          var signal = null, alpha = null, meanAlpha = null, r;
          if (signalBytes && P.has_signal[g]) {
            if (cell.key === 'D') {
              var a = row(signalBytes, P.signal, (g * 2) * M + m), b = row(signalBytes, P.signal, (g * 2 + 1) * M + m);
              signal = a.map(function (v, t) { return v - b[t]; });
            } else {
              signal = row(signalBytes, P.signal, (g * 2 + (cell.key === 'B' ? 1 : 0)) * M + m);
            }
          }
          var k = alphaBytes && P.has_alpha[g] ? P.alpha.names.indexOf(cell.key + '.' + mark) : -1;
          if (k >= 0) { alpha = row(alphaBytes, P.alpha, g * P.alpha.names.length + k); meanAlpha = P.alpha.mean[k]; }
          html.push('<div class="panel">' + panelSvg(mark + ' \u00b7 ' + cell.label, signal, alpha, meanAlpha) + '</div>');
        });
      });
      // One row per mark, one column per cell (one column on a phone).
      box.innerHTML = '<div class="panels" style="--cells: ' + P.cells.length + '">' + html.join('') + '</div>';
    }, function (err) {
      box.innerHTML = '<div class="notice warn">The \u03b1 and signal profiles are packed in this page, but ' + esc(err.message) + '.</div>';
    });
  }

  var current = -1;
  function show(g, hits) {
    current = g;
    var y = genes.y ? genes.y[g] : null, p = genes.pred[g], h = [];
    var name = esc(genes.id[g]) + (genes.symbol[g] ? ' \u00b7 ' + esc(genes.symbol[g]) : '');
    h.push('<h3 id="gene-name">' + name + '</h3>');
    if (genes.chrom && genes.chrom[g])
      h.push('<p class="muted">' + esc(genes.chrom[g]) + ':' + genes.tss[g] + ' (TSS, 0-based), strand ' + esc(genes.strand[g]) + '</p>');
    if (hits.length > 1)
      h.push('<p class="muted">' + hits.length + ' test genes have this symbol: ' + hits.map(function (i) {
        return '<button type="button" class="link" data-gene="' + esc(genes.id[i]) + '">' + esc(genes.id[i]) + '</button>';
      }).join(' ') + '</p>');
    h.push('<div class="gene-stats">');
    h.push(stat('predicted y', fmt(p, 3), 'gene-pred', D.y_definition));
    if (y !== null) {
      h.push(stat('true y', fmt(y, 3), 'gene-target', D.y_definition));
      h.push(stat('error (predicted \u2212 true)', fmt(p - y, 3), 'gene-error'));
    }
    h.push('</div>');
    // 2^|y| is the fold change of e + 1 between the cells, in the direction of y's sign.
    function change(v) {
      return v === 0 ? 'no change' : fmt(Math.pow(2, Math.abs(v)), 2) + '-fold higher in ' + (v > 0 ? D.cells[1] : D.cells[0]);
    }
    h.push('<p>Predicted: ' + esc(change(p)) + (y !== null ? '; measured: ' + esc(change(y)) : '') +
           ' (fold changes of expression + 1).</p>');
    if (beta) {
      h.push('<h3>\u03b2: where the model looked, by mark and cell</h3><div class="beta-bars" id="gene-beta">' + betaSvg(g) + '</div>');
    } else {
      h.push('<p class="muted">' + esc(D.no_beta || 'No \u03b2 in this run.') + '</p>');
    }
    h.push('<h3>\u03b1 per bin next to the input signal, per mark</h3>');
    h.push('<p class="legend-line"><span class="swatch" style="background:#7f8c99"></span>input signal (reads per bin)' +
           '<span class="swatch" style="background:#2b5b88"></span>this gene\'s \u03b1' +
           '<span class="swatch" style="background:#e15759"></span>mean \u03b1 of the test genes (dotted); ' +
           esc(D.bin_note || '') + '</p><div id="gene-profiles"></div>');
    out.innerHTML = h.join('');
    out.querySelectorAll('button[data-gene]').forEach(function (b) {
      b.addEventListener('click', function () { lookup(b.getAttribute('data-gene')); });
    });
    drawProfiles(g, document.getElementById('gene-profiles'));
  }

  function lookup(q) {
    q = String(q).trim();
    if (!q) return;
    var key = q.toLowerCase();
    var hits = byId.has(key) ? [byId.get(key)] : (bySymbol.get(key) || []);
    if (!hits.length) {
      var near = [];
      for (var i = 0; i < G && near.length < 8; i++)
        if (genes.id[i].toLowerCase().indexOf(key) === 0 || (genes.symbol[i] || '').toLowerCase().indexOf(key) === 0) near.push(i);
      statusEl.className = 'notice warn';
      statusEl.innerHTML = '<strong>Not found:</strong> no test gene has the id or symbol \u201c' + esc(q) + '\u201d.' +
        (near.length ? ' Starting so: ' + near.map(function (i) {
          return '<button type="button" class="link" data-gene="' + esc(genes.id[i]) + '">' + esc(genes.id[i]) +
                 (genes.symbol[i] ? ' (' + esc(genes.symbol[i]) + ')' : '') + '</button>';
        }).join(' ') : '') + ' Only the test split\'s genes are in this report.';
      statusEl.querySelectorAll('button[data-gene]').forEach(function (b) {
        b.addEventListener('click', function () { lookup(b.getAttribute('data-gene')); });
      });
      out.innerHTML = '';
      current = -1;
      return;
    }
    statusEl.className = 'muted';
    statusEl.textContent = '';
    input.value = q;
    show(hits[0], hits);
    try { history.replaceState(null, '', '#gene=' + encodeURIComponent(genes.id[hits[0]])); } catch (e) { /* some file:// settings refuse */ }
  }

  form.addEventListener('submit', function (e) { e.preventDefault(); lookup(input.value); });
  // A gene id in the table opens its lookup.
  var table = document.getElementById('gene-table');
  if (table) table.tBodies[0].addEventListener('click', function (e) {
    var td = e.target.closest('td');
    if (!td || td.cellIndex !== 0) return;
    lookup(td.textContent);
    document.getElementById('lookup').scrollIntoView();
  });
  function fromHash() {
    var m = /^#gene=(.+)$/.exec(location.hash);
    if (m) {
      lookup(decodeURIComponent(m[1]));
      document.getElementById('lookup').scrollIntoView();
    }
  }
  window.addEventListener('hashchange', fromHash);
  fromHash();
})();
)JS";

}  // namespace deepdiff_report
