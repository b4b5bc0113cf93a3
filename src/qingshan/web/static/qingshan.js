// 青山 Qingshan: charts and the one-map, drawn as SVG from the numbers the page carries.
// Written for Qingshan; no library, nothing fetched. Charts: tooltips on hover, zoom by
// dragging across the plot or with the mouse wheel, double-click (or the button) to reset.
// Map: drag to pan, wheel or buttons to zoom, hover for details, click to open.
"use strict";
(function () {
  const NS = "http://www.w3.org/2000/svg";
  const PALETTE = ["#1f6f4a", "#c0392b", "#2e6bd1", "#d68a00", "#7a3fb0", "#148f8f", "#8c564b", "#5f6b66"];
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
  function drawChart(fig) {
    const spec = JSON.parse(fig.dataset.chart);
    const body = fig.querySelector(".chart-body");
    const legendRows = spec.series.length > 1 ? Math.ceil(spec.series.length / 4) : 0;
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
      for (const s of spec.series) for (let i = i0; i <= i1; i++) {
        const v = s.y[i];
        if (v !== null) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
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
        el("path", { d, class: "line", stroke: colour }, svg);
        if (i1 - i0 <= 40) for (let i = i0; i <= i1; i++) {
          if (s.y[i] !== null) el("circle", { cx: sx(i), cy: sy(s.y[i]), r: 3, fill: colour, class: "dot" }, svg);
        }
      });
      if (spec.series.length > 1) {
        const g = el("g", { class: "legend" }, svg);
        spec.series.forEach((s, k) => {
          const x = L + (k % 4) * 140, y = 12 + Math.floor(k / 4) * 16;
          el("rect", { x, y: y - 8, width: 10, height: 10, fill: PALETTE[k % PALETTE.length] }, g);
          el("text", { x: x + 14, y: y + 1 }, g).textContent = s.name;
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
          `<div><i data-colour="${PALETTE[k % PALETTE.length]}"></i>${esc(s.name)}：${fmt(s.y[i])} ${esc(spec.unit)}</div>`);
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

  // ---- one-map -------------------------------------------------------------------
  const CLASS_COLOURS = { A: "#1b7f3b", B: "#2e6bd1", C: "#d68a00", D: "#b00020", T: "#7a3fb0" };
  const GRADE_COLOURS = { "1": "#1b7f3b", "2": "#7bb661", "3": "#e0c200", "4": "#e07b00", "5": "#b00020" };
  const BAROMETER = { red: "#f4c7c3", yellow: "#fbe7b5", green: "#d5ecd9" };
  const NONE = "#a8b2ad";

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
    const svg = el("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": T("一张图", "one-map") });
    host.appendChild(svg);
    const tip = tipBox(host);
    const layer = el("g", {}, svg);
    let zoom = 1, tx = 0, ty = 0;
    const apply = () => {
      layer.setAttribute("transform", `translate(${tx},${ty}) scale(${zoom})`);
      layer.querySelectorAll("circle").forEach((c) => c.setAttribute("r", (4 / Math.sqrt(zoom)).toFixed(2)));
      layer.querySelectorAll("path").forEach((p) => p.setAttribute("stroke-width", (1.2 / zoom).toFixed(3)));
      host.dataset.zoom = zoom.toFixed(2);
    };
    const warn = doc.district_colours || {};
    for (const f of doc.areas.features) {
      const p = f.properties;
      const isDistrict = p.entity_type === "district";
      const w = warn[p.entity_id];
      const shape = el("path", { d: path(f.geometry), class: isDistrict ? "district" : "park",
                                 fill: isDistrict ? (w ? BAROMETER[w.colour] : "#eef3f0") : "none" }, layer);
      shape.dataset.id = p.entity_id;
      shape.addEventListener("mousemove", (evt) => {
        let h = `<b>${esc(p.name)}</b> ${esc(p.entity_id)}`;
        if (w) h += `<div>${T("预警", "warning")}：${esc(T(w.zh_colour, w.colour))}</div>` +
          w.targets.map((t) => `<div>${esc(lang === "zh" ? t.zh : t.en)}：${T("实际", "actual")} ${fmt(100 * t.actual_change)}%，` +
            `${T("进度目标", "required")} ${fmt(100 * t.required_change)}%</div>`).join("");
        showTip(host, tip, h, evt);
      });
      shape.addEventListener("mouseleave", () => { tip.style.display = "none"; });
      if (isDistrict) shape.addEventListener("click", () => {
        location.href = `/enterprises?district=${encodeURIComponent(p.entity_id)}${lang === "en" ? "&lang=en" : ""}`;
      });
    }
    const dots = [];
    for (const e of doc.enterprises) {
      const c = el("circle", { cx: px(e.lon).toFixed(1), cy: py(e.lat).toFixed(1), r: 4, class: "firm" }, layer);
      c.dataset.id = e.entity_id;
      dots.push([c, e]);
      c.addEventListener("mousemove", (evt) => {
        showTip(host, tip, `<b>${esc(e.name)}</b><div>${esc(e.industry_name || e.industry_code)}</div>` +
          `<div>${T("亩均类别", "class")}：${esc(e.class || "—")} · ${T("碳效等级", "carbon grade")}：${esc(e.carbon_grade || "—")}</div>` +
          `<div>${T("综合能耗", "energy")}：${fmt(e.energy_tce)} tce · CO₂：${fmt(e.co2_t)} t</div>`, evt);
      });
      c.addEventListener("mouseleave", () => { tip.style.display = "none"; });
      c.addEventListener("click", () => {
        location.href = `/enterprises/${encodeURIComponent(e.entity_id)}${lang === "en" ? "?lang=en" : ""}`;
      });
    }
    const legend = document.getElementById(host.dataset.legend);
    const colourBy = document.getElementById(host.dataset.colourBy);
    const recolour = () => {
      const mode = colourBy ? colourBy.value : "class";
      const table = mode === "grade" ? GRADE_COLOURS : CLASS_COLOURS;
      for (const [c, e] of dots) c.setAttribute("fill", table[mode === "grade" ? e.carbon_grade : e.class] || NONE);
      if (legend) {
        const entries = Object.entries(table).concat([["—", NONE]]);
        legend.innerHTML = entries.map(([k, v]) => `<span><i data-colour="${v}"></i>${esc(k)}</span>`).join("") +
          Object.entries(BAROMETER).map(([k, v]) => `<span><i class="area" data-colour="${v}"></i>${
            esc({ red: T("红色预警区县", "red district"), yellow: T("黄色预警区县", "yellow district"), green: T("绿色区县", "green district") }[k])}</span>`).join("");
        paint(legend);
      }
      host.dataset.colour = mode;
    };
    if (colourBy) colourBy.addEventListener("change", recolour);
    recolour();
    // pan and zoom
    const toSvg = (evt) => {
      const p = svg.createSVGPoint();
      p.x = evt.clientX; p.y = evt.clientY;
      return p.matrixTransform(svg.getScreenCTM().inverse());
    };
    const zoomAt = (f, cx, cy) => {
      const next = Math.min(40, Math.max(1, zoom * f));
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
    let drag = null;
    svg.addEventListener("mousedown", (evt) => { const q = toSvg(evt); drag = [q.x - tx, q.y - ty]; });
    window.addEventListener("mouseup", () => { drag = null; });
    svg.addEventListener("mousemove", (evt) => {
      if (!drag || evt.buttons !== 1) return;
      const q = toSvg(evt);
      tx = q.x - drag[0]; ty = q.y - drag[1];
      apply();
    });
    for (const [sel, f] of [[".map-zoom-in", 1.5], [".map-zoom-out", 1 / 1.5]]) {
      const b = host.parentElement.querySelector(sel);
      if (b) b.addEventListener("click", () => zoomAt(f, W / 2, H / 2));
    }
    const r = host.parentElement.querySelector(".map-reset");
    if (r) r.addEventListener("click", () => { zoom = 1; tx = 0; ty = 0; apply(); });
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
