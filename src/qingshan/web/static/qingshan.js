// 青山 Qingshan: charts and the one-map, drawn as SVG from the numbers the page carries.
// Written for Qingshan; no library, nothing fetched. Charts: tooltips on hover, zoom by
// dragging across the plot or with the mouse wheel, double-click (or the button) to reset.
// Map: drag to pan, wheel or buttons to zoom, hover for details, click to open.
"use strict";
(function () {
  const NS = "http://www.w3.org/2000/svg";
  // Okabe & Ito (2008): told apart with the common colour-vision deficiencies
  const PALETTE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#8c8c8c"];
  const lang = document.documentElement.lang.startsWith("zh") ? "zh" : "en";
  const T = (zh, en) => (lang === "zh" ? zh : en);

  function el(name, attrs, parent) {
    const e = document.createElementNS(NS, name);
    for (const k in attrs) e.setAttribute(k, attrs[k]);
    if (parent) parent.appendChild(e);
    return e;
  }

  function fmt(v) {
    if (v === null || v === undefined || Number.isNaN(v)) return "—";
    const a = Math.abs(v);
    const digits = a >= 1000 ? 0 : a >= 10 ? 1 : a >= 1 ? 2 : 3;
    return v.toLocaleString(lang === "zh" ? "zh-CN" : "en-US", { maximumFractionDigits: digits });
  }

  function niceTicks(lo, hi, n) {
    if (hi === lo) hi = lo + 1;
    const raw = (hi - lo) / n;
    const mag = Math.pow(10, Math.floor(Math.log10(raw)));
    const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw);
    const ticks = [];
    const first = Math.floor(lo / step), last = Math.ceil(hi / step - 1e-9);
    for (let k = first; k <= last; k++) ticks.push(+(k * step).toFixed(12));
    return ticks;
  }

  function tipBox(host) {
    let tip = host.querySelector(".chart-tip");
    if (!tip) {
      tip = document.createElement("div");
      tip.className = "chart-tip";
      host.appendChild(tip);
    }
    return tip;
  }

  // Swatches are marked with data-colour and painted through the DOM: the page's
  // Content-Security-Policy refuses inline style attributes.
  function paint(box) {
    box.querySelectorAll("i[data-colour]").forEach((i) => { i.style.background = i.dataset.colour; });
  }

  function showTip(host, tip, html, evt) {
    tip.innerHTML = html;
    paint(tip);
    tip.style.display = "block";
    const r = host.getBoundingClientRect();
    let x = evt.clientX - r.left + 14;
    if (x + tip.offsetWidth > r.width) x = evt.clientX - r.left - tip.offsetWidth - 14;
    tip.style.left = Math.max(0, x) + "px";
    tip.style.top = Math.max(0, evt.clientY - r.top - 10) + "px";
  }

  function esc(s) {
    return String(s).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);
  }

  // ---- charts --------------------------------------------------------------------
  // Lines (with dashed series such as a target's schedule, 进度目标, and shaded p5–p95
  // bands) and horizontal stacked bars (the LMDI effects). Each series also has its own
  // point shape, so that colour is never the only thing that tells series apart.
  const SHAPES = ["circle", "square", "triangle", "diamond", "cross", "star"];

  function shapePath(kind, x, y, r) {
    const f = (v) => v.toFixed(1);
    switch (kind) {
      case "square": return `M${f(x - r * 0.85)},${f(y - r * 0.85)}h${f(1.7 * r)}v${f(1.7 * r)}h${f(-1.7 * r)}Z`;
      case "triangle": return `M${f(x)},${f(y - r * 1.1)}L${f(x + r)},${f(y + r * 0.75)}L${f(x - r)},${f(y + r * 0.75)}Z`;
      case "diamond": return `M${f(x)},${f(y - r * 1.2)}L${f(x + r)},${f(y)}L${f(x)},${f(y + r * 1.2)}L${f(x - r)},${f(y)}Z`;
      case "cross": {
        const a = r * 0.38;
        return `M${f(x - a)},${f(y - r)}h${f(2 * a)}v${f(r - a)}h${f(r - a)}v${f(2 * a)}h${f(a - r)}v${f(r - a)}` +
          `h${f(-2 * a)}v${f(a - r)}h${f(a - r)}v${f(-2 * a)}h${f(r - a)}Z`;
      }
      case "star": {
        let d = "";
        for (let i = 0; i < 10; i++) {
          const rr = i % 2 ? r * 0.5 : r * 1.15, a = -Math.PI / 2 + (i * Math.PI) / 5;
          d += `${i ? "L" : "M"}${f(x + rr * Math.cos(a))},${f(y + rr * Math.sin(a))}`;
        }
        return d + "Z";
      }
      case "ring": return `M${f(x - r * 0.7)},${f(y)}a${f(r * 0.7)},${f(r * 0.7)} 0 1,0 ${f(1.4 * r)},0a${f(r * 0.7)},${f(r * 0.7)} 0 1,0 ${f(-1.4 * r)},0Z`;
      default: return `M${f(x - r)},${f(y)}a${f(r)},${f(r)} 0 1,0 ${f(2 * r)},0a${f(r)},${f(r)} 0 1,0 ${f(-2 * r)},0Z`;
    }
  }

  function drawChart(fig) {
    const spec = JSON.parse(fig.dataset.chart);
    if (spec.type === "bars") { drawBars(fig, spec); return; }
    const body = fig.querySelector(".chart-body");
    const bands = spec.bands || [];
    const entries = spec.series.length + bands.length;
    const legendRows = entries > 1 ? Math.ceil(entries / 3) : 0;
    const W = 640, L = 64, R = 16, TOP = 26 + legendRows * 16, B = 40, H = 260 + TOP;
    const n = spec.x.length;
    let view = [0, n - 1];
    if (n === 0) {
      body.textContent = "—";
      return;
    }
    const reset = document.createElement("button");
    reset.type = "button";
    reset.className = "chart-reset";
    reset.textContent = T("重置缩放", "Reset zoom");
    reset.hidden = true;
    fig.insertBefore(reset, body);
    const tip = tipBox(body);

    function render() {
      body.querySelectorAll("svg").forEach((s) => s.remove());
      const [i0, i1] = view;
      const svg = el("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": spec.title });
      body.insertBefore(svg, tip);
      let lo = 0, hi = -Infinity;
      const seen = (v) => { if (v !== null && v !== undefined) { lo = Math.min(lo, v); hi = Math.max(hi, v); } };
      for (let i = i0; i <= i1; i++) {
        for (const s of spec.series) seen(s.y[i]);
        for (const b of bands) { seen(b.lo[i]); seen(b.hi[i]); }
      }
      if (!Number.isFinite(hi)) hi = 1;
      const ticks = niceTicks(lo, hi, 5);
      const ylo = Math.min(lo, ticks[0]), yhi = Math.max(hi, ticks[ticks.length - 1]);
      const sx = (i) => L + (i1 === i0 ? (W - L - R) / 2 : ((i - i0) / (i1 - i0)) * (W - L - R));
      const sy = (v) => H - B - ((v - ylo) / (yhi - ylo || 1)) * (H - TOP - B);
      for (const t of ticks) {
        el("line", { x1: L, x2: W - R, y1: sy(t), y2: sy(t), class: "grid" }, svg);
        el("text", { x: L - 6, y: sy(t) + 4, "text-anchor": "end" }, svg).textContent = fmt(t);
      }
      el("line", { x1: L, x2: W - R, y1: H - B, y2: H - B, class: "axis" }, svg);
      const every = Math.max(1, Math.ceil((i1 - i0 + 1) / 10));
      for (let i = i0; i <= i1; i += every) {
        el("text", { x: sx(i), y: H - B + 16, "text-anchor": "middle" }, svg).textContent = spec.x[i];
      }
      if (spec.unit) el("text", { x: 4, y: TOP - 12, class: "unit" }, svg).textContent = spec.unit;
      bands.forEach((b, k) => {  // a shaded range: the high edge forwards, the low edge back
        let up = "", down = "";
        for (let i = i0; i <= i1; i++) {
          if (b.lo[i] === null || b.hi[i] === null) continue;
          up += `${up ? "L" : "M"}${sx(i).toFixed(1)},${sy(b.hi[i]).toFixed(1)}`;
          down = `L${sx(i).toFixed(1)},${sy(b.lo[i]).toFixed(1)}` + down;
        }
        if (up) el("path", { d: up + down + "Z", class: "band", fill: PALETTE[k % PALETTE.length], "fill-opacity": 0.16 }, svg);
      });
      spec.series.forEach((s, k) => {
        const colour = PALETTE[k % PALETTE.length];
        let d = "";
        let pen = false;
        for (let i = i0; i <= i1; i++) {
          const v = s.y[i];
          if (v === null) { pen = false; continue; }
          d += `${pen ? "L" : "M"}${sx(i).toFixed(1)},${sy(v).toFixed(1)}`;
          pen = true;
        }
        const line = el("path", { d, class: s.dash ? "line schedule" : "line", stroke: colour, fill: "none", "stroke-width": 2 }, svg);
        if (s.dash) line.setAttribute("stroke-dasharray", "7 4");
        line.dataset.series = s.name;
        if (i1 - i0 <= 40) for (let i = i0; i <= i1; i++) {
          if (s.y[i] !== null) el("path", { d: shapePath(SHAPES[k % SHAPES.length], sx(i), sy(s.y[i]), 3.2), fill: s.dash ? "#fff" : colour, stroke: colour, class: "dot" }, svg);
        }
      });
      if (entries > 1) {
        const g = el("g", { class: "legend" }, svg);
        const items = spec.series.map((s, k) => ["line", s, k]).concat(bands.map((b, k) => ["band", b, k]));
        items.forEach(([kind, s, k], j) => {
          const x = L + (j % 3) * 190, y = 12 + Math.floor(j / 3) * 16, colour = PALETTE[k % PALETTE.length];
          if (kind === "band") el("rect", { x, y: y - 8, width: 18, height: 10, fill: colour, "fill-opacity": 0.25 }, g);
          else {
            const l = el("line", { x1: x, x2: x + 18, y1: y - 3, y2: y - 3, stroke: colour, "stroke-width": 2 }, g);
            if (s.dash) l.setAttribute("stroke-dasharray", "5 3");
            el("path", { d: shapePath(SHAPES[k % SHAPES.length], x + 9, y - 3, 3), fill: s.dash ? "#fff" : colour, stroke: colour }, g);
          }
          el("text", { x: x + 22, y: y + 1 }, g).textContent = s.name;
        });
      }
      const guide = el("line", { y1: TOP, y2: H - B, class: "guide", visibility: "hidden" }, svg);
      const brush = el("rect", { y: TOP, height: H - TOP - B, class: "brush", visibility: "hidden" }, svg);
      const hit = el("rect", { x: L, y: TOP, width: W - L - R, height: H - TOP - B, class: "hit" }, svg);
      const toIndex = (evt) => {
        const p = svg.createSVGPoint();
        p.x = evt.clientX; p.y = evt.clientY;
        const q = p.matrixTransform(svg.getScreenCTM().inverse());
        const f = i1 === i0 ? 0 : (q.x - L) / (W - L - R);
        return Math.min(i1, Math.max(i0, Math.round(i0 + f * (i1 - i0))));
      };
      let dragFrom = null;
      hit.addEventListener("mousemove", (evt) => {
        const i = toIndex(evt);
        guide.setAttribute("x1", sx(i)); guide.setAttribute("x2", sx(i));
        guide.setAttribute("visibility", "visible");
        if (dragFrom !== null) {
          const a = Math.min(sx(dragFrom), sx(i)), b = Math.max(sx(dragFrom), sx(i));
          brush.setAttribute("x", a); brush.setAttribute("width", b - a);
          brush.setAttribute("visibility", "visible");
        }
        const rows = spec.series.map((s, k) =>
          `<div><i data-colour="${PALETTE[k % PALETTE.length]}"></i>${esc(s.name)}：${fmt(s.y[i])} ${esc(spec.unit)}</div>`)
          .concat(bands.filter((b) => b.lo[i] !== null).map((b) => `<div class="muted">${esc(b.name)}：${fmt(b.lo[i])} – ${fmt(b.hi[i])}</div>`));
        showTip(body, tip, `<b>${esc(spec.x[i])}</b>${rows.join("")}`, evt);
      });
      hit.addEventListener("mouseleave", () => {
        guide.setAttribute("visibility", "hidden");
        tip.style.display = "none";
      });
      hit.addEventListener("mousedown", (evt) => { dragFrom = toIndex(evt); evt.preventDefault(); });
      hit.addEventListener("mouseup", (evt) => {
        const a = dragFrom, b = toIndex(evt);
        dragFrom = null;
        brush.setAttribute("visibility", "hidden");
        if (a !== null && Math.abs(b - a) >= 1) zoomTo(Math.min(a, b), Math.max(a, b));
      });
      hit.addEventListener("wheel", (evt) => {
        evt.preventDefault();
        const c = toIndex(evt), span = i1 - i0;
        const next = Math.max(1, Math.round(span * (evt.deltaY < 0 ? 0.7 : 1.4)));
        const left = Math.round(((c - i0) / (span || 1)) * next);
        zoomTo(c - left, c - left + next);
      }, { passive: false });
      hit.addEventListener("dblclick", () => zoomTo(0, n - 1));
    }

    function zoomTo(a, b) {
      a = Math.max(0, a); b = Math.min(n - 1, b);
      if (b - a < 1 && n > 1) return;
      view = [a, b];
      reset.hidden = a === 0 && b === n - 1;
      fig.dataset.zoom = `${spec.x[a]}..${spec.x[b]}`;
      render();
    }
    reset.addEventListener("click", () => zoomTo(0, n - 1));
    render();
  }

  // Horizontal bars, one per row, stacked by effect: positive effects to the right of
  // zero, negative ones to the left, a black mark at the row's total. A row with a link
  // opens it when clicked (or with Enter), like a link.
  function drawBars(fig, spec) {
    const body = fig.querySelector(".chart-body");
    const rows = spec.rows;
    if (!rows.length) { body.textContent = "—"; return; }
    const legendRows = Math.ceil((spec.effects.length + 1) / 3);
    const W = 640, LBL = 150, R = 20, TOP = 20 + legendRows * 16, ROW = 26, B = 30;
    const H = TOP + rows.length * ROW + B;
    const tip = tipBox(body);
    const svg = el("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": spec.title });
    body.insertBefore(svg, tip);
    let lo = 0, hi = 0;
    for (const r of rows) {
      let pos = 0, neg = 0;
      for (const v of r.values) { if (v > 0) pos += v; else if (v < 0) neg += v; }
      lo = Math.min(lo, neg, r.total ?? 0); hi = Math.max(hi, pos, r.total ?? 0);
    }
    const ticks = niceTicks(lo, hi, 5);
    const xlo = Math.min(lo, ticks[0]), xhi = Math.max(hi, ticks[ticks.length - 1]);
    const sx = (v) => LBL + ((v - xlo) / (xhi - xlo || 1)) * (W - LBL - R);
    for (const t of ticks) {
      el("line", { x1: sx(t), x2: sx(t), y1: TOP - 4, y2: H - B, class: "grid" }, svg);
      el("text", { x: sx(t), y: H - B + 14, "text-anchor": "middle" }, svg).textContent = fmt(t);
    }
    if (spec.unit) el("text", { x: W - R, y: H - 4, "text-anchor": "end", class: "unit" }, svg).textContent = spec.unit;
    const g = el("g", { class: "legend" }, svg);
    spec.effects.concat([spec.total_name || T("合计", "total")]).forEach((name, k) => {
      const x = 8 + (k % 3) * 210, y = 12 + Math.floor(k / 3) * 16;
      if (k < spec.effects.length) el("rect", { x, y: y - 8, width: 10, height: 10, fill: PALETTE[k % PALETTE.length] }, g);
      else el("path", { d: shapePath("diamond", x + 5, y - 3, 5), fill: "#000" }, g);
      el("text", { x: x + 14, y: y + 1 }, g).textContent = name;
    });
    rows.forEach((r, j) => {
      const y = TOP + j * ROW;
      const row = el("g", { class: r.href ? "bar link" : "bar" }, svg);
      row.dataset.label = r.label;
      if (r.href) {
        row.dataset.href = r.href;
        row.setAttribute("tabindex", "0");
        row.setAttribute("role", "link");
        row.setAttribute("aria-label", `${r.label}: ${fmt(r.total)} ${spec.unit}`);
      }
      el("rect", { x: 0, y, width: W, height: ROW, class: "row-hit", fill: "transparent" }, row);
      const label = r.label.length > 11 ? r.label.slice(0, 10) + "…" : r.label;
      el("text", { x: LBL - 6, y: y + ROW / 2 + 4, "text-anchor": "end", class: "bar-label" }, row).textContent = label;
      let pos = 0, neg = 0;
      r.values.forEach((v, k) => {
        if (!v) return;
        const a = v > 0 ? pos : neg + v, b = v > 0 ? pos + v : neg;
        if (v > 0) pos += v; else neg += v;
        el("rect", { x: sx(a), y: y + 5, width: Math.max(0.5, sx(b) - sx(a)), height: ROW - 10, fill: PALETTE[k % PALETTE.length] }, row);
      });
      if (r.total !== null) el("path", { d: shapePath("diamond", sx(r.total), y + ROW / 2, 5), fill: "#000", class: "total" }, row);
      row.addEventListener("mousemove", (evt) => {
        const lines = spec.effects.map((name, k) => `<div><i data-colour="${PALETTE[k % PALETTE.length]}"></i>${esc(name)}：${fmt(r.values[k])} ${esc(spec.unit)}</div>`);
        showTip(body, tip, `<b>${esc(r.label)}</b>${lines.join("")}<div><b>${esc(spec.total_name || T("合计", "total"))}：${fmt(r.total)} ${esc(spec.unit)}</b></div>` +
          (r.href ? `<div class="muted">${T("点击打开", "click to open")}</div>` : ""), evt);
      });
      row.addEventListener("mouseleave", () => { tip.style.display = "none"; });
      if (r.href) {
        row.addEventListener("click", () => { location.href = r.href; });
        row.addEventListener("keydown", (evt) => { if (evt.key === "Enter") location.href = r.href; });
      }
    });
    el("line", { x1: sx(0), x2: sx(0), y1: TOP - 4, y2: H - B, class: "axis", stroke: "#555" }, svg);
  }

  // ---- one-map -------------------------------------------------------------------
  // Palettes of Okabe & Ito (2008), safe for the common colour-vision deficiencies, each
  // colour with a shape of its own; district warnings as tints with a pattern (hatched red,
  // dotted yellow, plain green), so that no meaning rests on colour alone.
  const CLASS_STYLE = {
    A: ["#0072B2", "circle"], B: ["#56B4E9", "square"], C: ["#E69F00", "triangle"],
    D: ["#D55E00", "diamond"], T: ["#CC79A7", "star"],
  };
  const GRADE_STYLE = {
    "1": ["#0072B2", "circle"], "2": ["#56B4E9", "square"], "3": ["#F0E442", "triangle"],
    "4": ["#E69F00", "diamond"], "5": ["#D55E00", "cross"],
  };
  const NONE_STYLE = ["#8c8c8c", "ring"];
  const CLASS_MEANS = {
    A: T("A 类：评价最高", "A: top of the evaluation"), B: T("B 类", "B"), C: T("C 类", "C"),
    D: T("D 类：评价最低，差别化政策最严", "D: bottom, strictest measures"),
    T: T("T 类：新建或公用事业，不评价", "T: new or utility, not scored"),
  };
  const GRADE_MEANS = {
    "1": T("1 级：碳效最优", "1: best carbon efficiency"), "2": T("2 级", "2"), "3": T("3 级", "3"),
    "4": T("4 级", "4"), "5": T("5 级：碳效最差", "5: worst carbon efficiency"),
  };
  // tint, ink of its pattern, the pattern (url id)
  const WARN_STYLE = {
    red: ["#f6c9b0", "#a33d00", "warn-red"], yellow: ["#f7eeb4", "#7a6a00", "warn-yellow"],
    green: ["#cde8df", "#1d6b52", "warn-green"],
  };
  const WARN_MEANS = {
    red: T("红色（斜线）：一级预警，落后进度目标超过 10%", "red (hatched): level-1 warning, behind the schedule by more than 10 %"),
    yellow: T("黄色（圆点）：二级预警，落后进度目标 10% 以内", "yellow (dotted): level-2 warning, behind the schedule by 10 % or less"),
    green: T("绿色（无纹理）：达到或超过进度目标", "green (plain): on or ahead of the schedule"),
  };
  const NO_TARGET = "#eef1f0";
  const MAX_ZOOM = 40, CLUSTER_PX = 11, DRAG_PX = 4;

  function centroid(geom) {  // the area-weighted centre of the largest outer ring
    const polys = geom.type === "Polygon" ? [geom.coordinates] : geom.coordinates;
    let best = null, bestArea = -1;
    for (const poly of polys) {
      const ring = poly[0];
      let a = 0, cx = 0, cy = 0;
      for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
        const f = ring[j][0] * ring[i][1] - ring[i][0] * ring[j][1];
        a += f; cx += (ring[j][0] + ring[i][0]) * f; cy += (ring[j][1] + ring[i][1]) * f;
      }
      if (Math.abs(a) > bestArea && a !== 0) { bestArea = Math.abs(a); best = [cx / (3 * a), cy / (3 * a)]; }
    }
    return best;
  }

  function legendSvg(items) {  // one swatch: [kind, colour, shape or pattern]
    const [kind, colour, extra] = items;
    if (kind === "area") {
      const ink = extra ? WARN_STYLE[extra][1] : "#999";
      let marks = "";
      if (extra === "red") marks = `<path d="M0,10L10,0M-2,4L4,-2M6,12L12,6" stroke="${ink}" stroke-width="1.3"/>`;
      if (extra === "yellow") marks = `<circle cx="3" cy="3" r="1.2" fill="${ink}"/><circle cx="8" cy="7" r="1.2" fill="${ink}"/>`;
      return `<svg class="swatch" viewBox="0 0 10 10" width="16" height="16" aria-hidden="true"><rect width="10" height="10" fill="${colour}" stroke="#555" stroke-width=".6"/>${marks}</svg>`;
    }
    return `<svg class="swatch" viewBox="-6 -6 12 12" width="14" height="14" aria-hidden="true"><path d="${shapePath(extra, 0, 0, 4.2)}" fill="${extra === "ring" ? "none" : colour}" stroke="${extra === "ring" ? colour : "#222"}" stroke-width="${extra === "ring" ? 1.6 : 0.7}"/></svg>`;
  }

  function drawMap(host) {
    const doc = JSON.parse(document.getElementById(host.dataset.doc).textContent);
    const W = 960, H = 640, PAD = 16;
    const pts = [];
    for (const f of doc.areas.features) {
      const polys = f.geometry.type === "Polygon" ? [f.geometry.coordinates] : f.geometry.coordinates;
      for (const poly of polys) for (const ring of poly) for (const p of ring) pts.push(p);
    }
    for (const e of doc.enterprises) pts.push([e.lon, e.lat]);
    if (!pts.length) { host.textContent = T("没有可绘制的边界或坐标", "no boundaries or coordinates to draw"); return; }
    const lons = pts.map((p) => p[0]), lats = pts.map((p) => p[1]);
    const x0 = Math.min(...lons), x1 = Math.max(...lons), y0 = Math.min(...lats), y1 = Math.max(...lats);
    const k0 = Math.cos(((y0 + y1) / 2) * Math.PI / 180);  // equirectangular, true scale at mid-latitude
    const s = Math.min((W - 2 * PAD) / (((x1 - x0) * k0) || 1e-6), (H - 2 * PAD) / ((y1 - y0) || 1e-6));
    const px = (lon) => PAD + (lon - x0) * k0 * s;
    const py = (lat) => H - PAD - (lat - y0) * s;
    const path = (geom) => {
      const polys = geom.type === "Polygon" ? [geom.coordinates] : geom.coordinates;
      return polys.map((poly) => poly.map((ring) =>
        ring.map((p, i) => `${i ? "L" : "M"}${px(p[0]).toFixed(1)},${py(p[1]).toFixed(1)}`).join("") + "Z").join("")).join("");
    };
    const suffix = lang === "en" ? "?lang=en" : "";
    const open = (url) => { location.href = url + suffix; };
    const svg = el("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": T(`一张图 · ${doc.year}`, `one-map · ${doc.year}`),
                            xmlns: NS, "font-family": "Noto Sans CJK SC, Microsoft YaHei, sans-serif" });
    host.appendChild(svg);
    const tip = tipBox(host);
    const defs = el("defs", {}, svg);
    for (const [key, [tint, ink, id]] of Object.entries(WARN_STYLE)) {
      const p = el("pattern", { id, width: 8, height: 8, patternUnits: "userSpaceOnUse" }, defs);
      el("rect", { width: 8, height: 8, fill: tint }, p);
      if (key === "red") el("path", { d: "M0,8L8,0M-2,2L2,-2M6,10L10,6", stroke: ink, "stroke-width": 1.1, "stroke-opacity": 0.7 }, p);
      if (key === "yellow") el("circle", { cx: 4, cy: 4, r: 1.1, fill: ink, "fill-opacity": 0.7 }, p);
    }
    el("rect", { width: W, height: H, fill: "#f7faf8", class: "sea" }, svg);
    const layer = el("g", { class: "areas" }, svg);       // areas: scaled with the view
    const marks = el("g", { class: "marks" }, svg);       // enterprises and clusters: redrawn at each view
    const labels = el("g", { class: "labels", "pointer-events": "none" }, svg);
    let zoom = 1, tx = 0, ty = 0;
    const warn = doc.district_colours || {};
    const hide = () => { tip.style.display = "none"; };
    const named = [];
    const focusable = (node, label, url) => {
      node.setAttribute("tabindex", "0");
      node.setAttribute("role", "link");
      node.setAttribute("aria-label", label);
      node.addEventListener("keydown", (evt) => { if (evt.key === "Enter") open(url); });
      node.addEventListener("click", () => open(url));
    };
    const features = doc.areas.features.slice().sort((a, b) =>
      (a.properties.entity_type === "district" ? 0 : 1) - (b.properties.entity_type === "district" ? 0 : 1));
    for (const f of features) {
      const p = f.properties;
      const isDistrict = p.entity_type === "district";
      const w = warn[p.entity_id];
      const shape = el("path", { d: path(f.geometry), class: isDistrict ? "district" : "park",
                                 fill: isDistrict ? (w ? `url(#${WARN_STYLE[w.colour][2]})` : NO_TARGET) : "#1f6f4a",
                                 "fill-opacity": isDistrict ? 1 : 0.08,
                                 stroke: isDistrict ? "#48685a" : "#1f6f4a", "stroke-width": isDistrict ? 1.2 : 1.4 }, layer);
      if (!isDistrict) shape.setAttribute("stroke-dasharray", "4 3");
      shape.dataset.id = p.entity_id;
      if (isDistrict) shape.dataset.warning = w ? w.colour : "none";
      shape.addEventListener("mousemove", (evt) => {
        let h = `<b>${esc(p.name)}</b> <span class="muted">${esc(isDistrict ? T("区县", "district") : T("园区", "park"))}</span>`;
        if (w) h += `<div>${T("预警", "warning")}：${esc(T(w.zh_colour, w.en_colour || w.colour))}</div>` +
          w.targets.map((t) => `<div>${esc(lang === "zh" ? t.zh : t.en)}：${T("实际", "actual")} ${fmt(100 * t.actual_change)}%，` +
            `${T("进度目标", "required")} ${fmt(100 * t.required_change)}%</div>`).join("");
        h += `<div class="muted">${T("点击打开", "click to open")}</div>`;
        showTip(host, tip, h, evt);
      });
      shape.addEventListener("mouseleave", hide);
      focusable(shape, p.name, `/${isDistrict ? "districts" : "parks"}/${encodeURIComponent(p.entity_id)}`);
      const c = centroid(f.geometry);
      if (c) named.push({ x: px(c[0]), y: py(c[1]), name: p.name, kind: p.entity_type, id: p.entity_id });
    }
    const firms = doc.enterprises.map((e) => ({ e, x: px(e.lon), y: py(e.lat) }));
    const legend = document.getElementById(host.dataset.legend);
    const colourBy = document.getElementById(host.dataset.colourBy);
    const list = document.getElementById(host.dataset.list);
    let mode = "class";
    const styleOf = (e) => (mode === "grade" ? GRADE_STYLE[e.carbon_grade] : CLASS_STYLE[e.class]) || NONE_STYLE;
    const firmTip = (e) => `<b>${esc(e.name)}</b><div>${esc(T(e.industry_name, e.industry_name_en) || e.industry_code)}</div>` +
      `<div>${T("亩均类别", "class")}：${esc(e.class || "—")} · ${T("碳效等级", "carbon grade")}：${esc(e.carbon_grade || "—")}</div>` +
      `<div>${T("综合能耗", "energy")}：${fmt(e.energy_tce)} ${T("吨标准煤", "tce")} · CO₂：${fmt(e.co2_t)} ${T("吨", "t")}</div>`;

    function showList(group) {  // enterprises too close to tell apart at the deepest zoom
      if (!list) return;
      list.hidden = false;
      list.innerHTML = `<b>${T(`此处 ${group.length} 家企业`, `${group.length} enterprises here`)}</b><ul>` +
        group.map((f) => `<li><a href="/enterprises/${encodeURIComponent(f.e.entity_id)}${suffix}">${esc(f.e.name)}</a> ` +
          `<span class="muted">${esc(f.e.class || "—")} · ${esc(f.e.carbon_grade || "—")}</span></li>`).join("") + "</ul>";
    }

    function drawMarks() {  // enterprises at screen positions, those closer than CLUSTER_PX as one cluster
      marks.replaceChildren();
      const groups = [], grid = new Map();
      for (const f of firms) {
        const x = tx + zoom * f.x, y = ty + zoom * f.y;
        if (x < -20 || y < -20 || x > W + 20 || y > H + 20) continue;
        const gx = Math.floor(x / CLUSTER_PX), gy = Math.floor(y / CLUSTER_PX);
        let found = null;
        for (let i = -1; i <= 1 && !found; i++) for (let j = -1; j <= 1 && !found; j++) {
          for (const g of grid.get(`${gx + i},${gy + j}`) || []) {
            if (Math.hypot(g.x - x, g.y - y) < CLUSTER_PX) { found = g; break; }
          }
        }
        if (found) found.members.push(f);
        else {
          const g = { x, y, members: [f] };
          groups.push(g);
          const key = `${gx},${gy}`;
          grid.set(key, (grid.get(key) || []).concat([g]));
        }
      }
      // clusters below, single enterprises above them: a marker is never hidden by a cluster
      groups.sort((a, b) => (a.members.length > 1 ? 0 : 1) - (b.members.length > 1 ? 0 : 1));
      for (const g of groups) {
        if (g.members.length === 1) {
          const f = g.members[0], [colour, shape] = styleOf(f.e);
          const m = el("path", { d: shapePath(shape, g.x, g.y, 4.6), class: "firm", fill: shape === "ring" ? "#fff" : colour,
                                 stroke: shape === "ring" ? colour : "#1a1a1a", "stroke-width": shape === "ring" ? 1.6 : 0.8 }, marks);
          m.dataset.id = f.e.entity_id;
          m.dataset.shape = shape;
          m.addEventListener("mousemove", (evt) => showTip(host, tip, firmTip(f.e), evt));
          m.addEventListener("mouseleave", hide);
          focusable(m, f.e.name, `/enterprises/${encodeURIComponent(f.e.entity_id)}`);
          continue;
        }
        const n = g.members.length, r = 7 + 2.2 * Math.log2(n);
        const c = el("g", { class: "cluster", tabindex: "0", role: "button",
                            "aria-label": T(`${n} 家企业，点击放大`, `${n} enterprises, click to zoom in`) }, marks);
        c.dataset.count = String(n);
        c.dataset.ids = g.members.map((f) => f.e.entity_id).join(" ");
        el("circle", { cx: g.x.toFixed(1), cy: g.y.toFixed(1), r: r.toFixed(1), fill: "#2b2b2b", "fill-opacity": 0.82, stroke: "#fff", "stroke-width": 1.5 }, c);
        el("text", { x: g.x.toFixed(1), y: (g.y + 3.5).toFixed(1), "text-anchor": "middle", fill: "#fff", "font-size": 10, "font-weight": "bold" }, c).textContent = n;
        c.addEventListener("mousemove", (evt) => {
          const counts = {};
          for (const f of g.members) { const k = (mode === "grade" ? f.e.carbon_grade : f.e.class) || "—"; counts[k] = (counts[k] || 0) + 1; }
          const names = g.members.slice(0, 8).map((f) => `<div>${esc(f.e.name)}</div>`).join("");
          showTip(host, tip, `<b>${T(`${n} 家企业`, `${n} enterprises`)}</b> · ` +
            Object.entries(counts).sort().map(([k, v]) => `${esc(k)}: ${v}`).join(" · ") + names +
            (n > 8 ? `<div class="muted">${T(`…等 ${n} 家`, `… ${n} in all`)}</div>` : "") +
            `<div class="muted">${zoom < MAX_ZOOM ? T("点击放大", "click to zoom in") : T("点击列出", "click to list them")}</div>`, evt);
        });
        c.addEventListener("mouseleave", hide);
        const act = () => {
          hide();
          const spread = Math.max(...g.members.map((f) => Math.hypot(tx + zoom * f.x - g.x, ty + zoom * f.y - g.y)), 0.01);
          if (zoom >= MAX_ZOOM || spread < 0.05) { showList(g.members); return; }
          zoomAt(Math.min(4, Math.max(2, (CLUSTER_PX * 1.5) / spread)), g.x, g.y);
        };
        c.addEventListener("click", act);
        c.addEventListener("keydown", (evt) => { if (evt.key === "Enter") act(); });
      }
      host.dataset.clusters = String(groups.filter((g) => g.members.length > 1).length);
    }

    function drawLabels() {  // names at a constant size, parks only where there is room
      labels.replaceChildren();
      const placed = [];
      for (const l of named.slice().sort((a, b) => (a.kind === "district" ? 0 : 1) - (b.kind === "district" ? 0 : 1))) {
        const x = tx + zoom * l.x, y = ty + zoom * l.y, district = l.kind === "district";
        const size = district ? 14 : 11, w = l.name.length * size * (lang === "zh" ? 1 : 0.6);
        if (x < 0 || y < 0 || x > W || y > H) continue;
        const box = [x - w / 2, y - size, x + w / 2, y + 4];
        if (placed.some((b) => b[0] < box[2] && box[0] < b[2] && b[1] < box[3] && box[1] < b[3])) continue;
        placed.push(box);
        const t = el("text", { x: x.toFixed(1), y: (district ? y : y + size + 4).toFixed(1), "text-anchor": "middle", class: `label ${l.kind}`,
                               "font-size": size, "font-weight": district ? "bold" : "normal", "font-style": district ? "normal" : "italic",
                               fill: district ? "#1d2a24" : "#0f4f33", stroke: "#fff", "stroke-width": 3, "paint-order": "stroke",
                               "stroke-linejoin": "round" }, labels);
        t.dataset.id = l.id;
        t.textContent = l.name;
      }
    }

    const apply = () => {
      layer.setAttribute("transform", `translate(${tx.toFixed(2)},${ty.toFixed(2)}) scale(${zoom})`);
      layer.querySelectorAll("path").forEach((p) => p.setAttribute("stroke-width", ((p.classList.contains("park") ? 1.4 : 1.2) / zoom).toFixed(3)));
      drawMarks();
      drawLabels();
      host.dataset.zoom = zoom.toFixed(2);
    };
    const recolour = () => {
      mode = colourBy ? colourBy.value : "class";
      if (legend) {
        const table = mode === "grade" ? GRADE_STYLE : CLASS_STYLE, means = mode === "grade" ? GRADE_MEANS : CLASS_MEANS;
        const head = mode === "grade" ? T("企业：碳效等级", "Enterprises: carbon grade") : T("企业：亩均类别", "Enterprises: mu-efficiency (亩均) class");
        const rows = Object.entries(table).map(([k, [c, sh]]) => `<li data-key="${esc(k)}">${legendSvg(["mark", c, sh])}${esc(means[k])}</li>`)
          .concat([`<li data-key="none">${legendSvg(["mark", NONE_STYLE[0], "ring"])}${T("未评价", "not evaluated")}</li>`,
                   `<li data-key="cluster"><svg class="swatch" viewBox="-7 -7 14 14" width="16" height="16" aria-hidden="true"><circle r="6" fill="#2b2b2b"/><text y="3" text-anchor="middle" fill="#fff" font-size="8">3</text></svg>${T("数字：此处多家企业，点击放大", "number: several enterprises here, click to zoom in")}</li>`]);
        const areas = Object.keys(WARN_STYLE).map((k) => `<li data-key="${k}">${legendSvg(["area", WARN_STYLE[k][0], k])}${esc(WARN_MEANS[k])}</li>`)
          .concat([`<li data-key="no-target">${legendSvg(["area", NO_TARGET, null])}${T("无区县目标", "no district target")}</li>`,
                   `<li data-key="park"><svg class="swatch" viewBox="0 0 10 10" width="16" height="16" aria-hidden="true"><rect x="1" y="1" width="8" height="8" fill="none" stroke="#1f6f4a" stroke-dasharray="2 1.5"/></svg>${T("虚线：园区边界", "dashed: park boundary")}</li>`]);
        legend.innerHTML = `<div><b>${head}</b><ul>${rows.join("")}</ul></div>` +
          `<div><b>${T("区县：目标预警（最差者）", "Districts: worst target warning")}</b><ul>${areas.join("")}</ul></div>`;
      }
      host.dataset.colour = mode;
      drawMarks();
    };
    if (colourBy) colourBy.addEventListener("change", recolour);
    // pan and zoom: a press that moves more than DRAG_PX pans, and its release opens nothing;
    // a press released where it began is a click (districts, parks, enterprises, clusters)
    const toSvg = (evt) => {
      const p = svg.createSVGPoint();
      p.x = evt.clientX; p.y = evt.clientY;
      return p.matrixTransform(svg.getScreenCTM().inverse());
    };
    const zoomAt = (f, cx, cy) => {
      const next = Math.min(MAX_ZOOM, Math.max(1, zoom * f));
      tx = cx - ((cx - tx) * next) / zoom; ty = cy - ((cy - ty) * next) / zoom;
      zoom = next;
      if (zoom === 1) { tx = 0; ty = 0; }
      apply();
    };
    svg.addEventListener("wheel", (evt) => {
      evt.preventDefault();
      const q = toSvg(evt);
      zoomAt(evt.deltaY < 0 ? 1.25 : 0.8, q.x, q.y);
    }, { passive: false });
    let press = null, dragged = false;
    svg.addEventListener("pointerdown", (evt) => {
      if (evt.button !== 0) return;
      const q = toSvg(evt);
      press = { sx: evt.clientX, sy: evt.clientY, ox: q.x - tx, oy: q.y - ty };
      dragged = false;
    });
    window.addEventListener("pointermove", (evt) => {
      if (!press || !(evt.buttons & 1)) return;
      if (!dragged && Math.hypot(evt.clientX - press.sx, evt.clientY - press.sy) < DRAG_PX) return;
      dragged = true;
      host.classList.add("panning");
      hide();
      const q = toSvg(evt);
      tx = q.x - press.ox; ty = q.y - press.oy;
      apply();
    });
    window.addEventListener("pointerup", () => { press = null; host.classList.remove("panning"); });
    // the click that ends a drag is swallowed before it reaches a district, park or enterprise
    svg.addEventListener("click", (evt) => {
      if (dragged) { evt.stopPropagation(); evt.preventDefault(); dragged = false; }
    }, true);
    const tools = host.parentElement;
    for (const [sel, f] of [[".map-zoom-in", 1.5], [".map-zoom-out", 1 / 1.5]]) {
      const b = tools.querySelector(sel);
      if (b) b.addEventListener("click", () => zoomAt(f, W / 2, H / 2));
    }
    const r = tools.querySelector(".map-reset");
    if (r) r.addEventListener("click", () => { zoom = 1; tx = 0; ty = 0; apply(); });
    const exp = tools.querySelector(".map-export");
    if (exp) exp.addEventListener("click", () => {  // the view as drawn, with its legend and title
      const copy = svg.cloneNode(true);
      copy.setAttribute("viewBox", `0 0 ${W} ${H + 150}`);
      copy.setAttribute("width", W); copy.setAttribute("height", H + 150);
      const g = el("g", { transform: `translate(12,${H + 18})`, "font-size": 12 }, copy);
      el("text", { "font-weight": "bold", "font-size": 14 }, g).textContent =
        `${document.querySelector("h1") ? document.querySelector("h1").textContent.trim() : ""} · ${mode === "grade" ? T("碳效等级", "carbon grade") : T("亩均类别", "亩均 class")}`;
      const table = mode === "grade" ? GRADE_STYLE : CLASS_STYLE, means = mode === "grade" ? GRADE_MEANS : CLASS_MEANS;
      Object.entries(table).forEach(([k, [c, sh]], i) => {
        const y = 22 + i * 18;
        el("path", { d: shapePath(sh, 6, y - 4, 4.5), fill: c, stroke: "#1a1a1a", "stroke-width": 0.8 }, g);
        el("text", { x: 16, y }, g).textContent = means[k];
      });
      Object.keys(WARN_STYLE).forEach((k, i) => {
        const y = 22 + i * 18;
        el("rect", { x: 330, y: y - 11, width: 14, height: 14, fill: `url(#${WARN_STYLE[k][2]})`, stroke: "#555" }, g);
        el("text", { x: 350, y }, g).textContent = WARN_MEANS[k];
      });
      const text = '<?xml version="1.0" encoding="UTF-8"?>\n' + new XMLSerializer().serializeToString(copy);
      const a = document.createElement("a");
      a.href = URL.createObjectURL(new Blob([text], { type: "image/svg+xml" }));
      a.download = `qingshan-map-${doc.year}-${mode}.svg`;
      document.body.appendChild(a);
      a.click();
      setTimeout(() => { URL.revokeObjectURL(a.href); a.remove(); }, 0);
    });
    const pr = tools.querySelector(".map-print");
    if (pr) pr.addEventListener("click", () => window.print());
    recolour();
    apply();
  }

  // An accept running in the background (the import page): poll its job and show its
  // step; reload the page when it has finished (the page then shows the result).
  function pollJob(host) {
    if (host.dataset.finished === "true") return;
    const en = document.documentElement.lang === "en";
    const step = host.querySelector("#job-step");
    function tick() {
      fetch(host.dataset.job, { headers: { Accept: "application/json" } })
        .then((r) => (r.ok ? r.json() : null))
        .then((job) => {
          if (!job) return;
          if (job.finished) { window.location.reload(); return; }
          if (step) {
            const p = job.progress;
            step.textContent = (en ? p.en : p.zh) + (p.detail ? " · " + p.detail : "") + " · " + job.seconds + " s";
          }
          setTimeout(tick, 1000);
        })
        .catch(() => setTimeout(tick, 2000));
    }
    setTimeout(tick, 1000);
  }

  function start() {
    document.querySelectorAll("figure.chart[data-chart]").forEach(drawChart);
    document.querySelectorAll(".map[data-doc]").forEach(drawMap);
    document.querySelectorAll("#job[data-job]").forEach(pollJob);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
