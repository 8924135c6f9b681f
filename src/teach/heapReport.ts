// `stark run --heap-report report.html FILE`: one self-contained HTML page that makes the
// collector visible — heap occupancy by generation over time, each pause against the mode's
// pause target, promotions, tensor storage beside the managed heap, and the live objects by type
// at the end. Inline SVG and CSS only: no network, no JavaScript needed to read it.

import type { GCConfig, GCEvent, GCStats } from "../../heap/api";

export interface HeapSample {
  event: GCEvent;
  /** Tensor storage in use when the collection finished (bytes, outside the managed heap). */
  tensorBytes: number;
}

export interface HeapReportData {
  program: string;
  samples: HeapSample[];
  config: GCConfig;
  stats: GCStats;
  live: { name: string; count: number; bytes: number }[];
  tensors: { liveBytes: number; liveTensors: number; peakBytes: number };
}

/** Collects one sample per collection event (subscribe `record` to `heap.onEvent`). */
export class HeapRecorder {
  readonly samples: HeapSample[] = [];
  constructor(private readonly tensorBytes: () => number) {}
  record = (event: GCEvent): void => {
    this.samples.push({ event: { ...event }, tensorBytes: this.tensorBytes() });
  };
}

const esc = (s: string) => s.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]!);
const kib = (b: number) => (b >= 1 << 20 ? `${(b / (1 << 20)).toFixed(2)} MiB` : `${(b / 1024).toFixed(1)} KiB`);

const W = 720;
const H = 220;
const PAD = { l: 64, r: 16, t: 12, b: 28 };

interface Series {
  label: string;
  color: string;
  points: [number, number][];
}

/** A line chart (stepped series over time) with axes and a legend, as an SVG string. */
function lineChart(id: string, title: string, series: Series[], yFormat: (v: number) => string, xMax: number, extraLine?: { y: number; label: string }): string {
  const yMax = Math.max(1, extraLine?.y ?? 0, ...series.flatMap((s) => s.points.map((p) => p[1]))) * 1.1;
  const x = (t: number) => PAD.l + (xMax > 0 ? (t / xMax) * (W - PAD.l - PAD.r) : 0);
  const y = (v: number) => H - PAD.b - (v / yMax) * (H - PAD.t - PAD.b);
  const parts: string[] = [];
  parts.push(`<rect x="${PAD.l}" y="${PAD.t}" width="${W - PAD.l - PAD.r}" height="${H - PAD.t - PAD.b}" fill="#fafafa" stroke="#ccc"/>`);
  for (let i = 0; i <= 4; i++) {
    const v = (yMax / 4) * i;
    parts.push(`<line x1="${PAD.l}" x2="${W - PAD.r}" y1="${y(v)}" y2="${y(v)}" stroke="#eee"/>`);
    parts.push(`<text x="${PAD.l - 6}" y="${y(v) + 4}" text-anchor="end" font-size="10">${esc(yFormat(v))}</text>`);
  }
  parts.push(`<text x="${W - PAD.r}" y="${H - 8}" text-anchor="end" font-size="10">${xMax.toFixed(1)} ms</text>`);
  parts.push(`<text x="${PAD.l}" y="${H - 8}" font-size="10">0 ms</text>`);
  if (extraLine) {
    parts.push(`<line class="target" x1="${PAD.l}" x2="${W - PAD.r}" y1="${y(extraLine.y)}" y2="${y(extraLine.y)}" stroke="#d33" stroke-dasharray="6 4"/>`);
    parts.push(`<text x="${W - PAD.r - 4}" y="${y(extraLine.y) - 4}" text-anchor="end" font-size="10" fill="#d33">${esc(extraLine.label)}</text>`);
  }
  for (const s of series) {
    if (!s.points.length) continue;
    const d = s.points.map((p, i) => `${i ? "L" : "M"}${x(p[0]).toFixed(1)},${y(p[1]).toFixed(1)}`).join(" ");
    parts.push(`<path class="series" d="${d}" fill="none" stroke="${s.color}" stroke-width="2"/>`);
    for (const p of s.points) parts.push(`<circle cx="${x(p[0]).toFixed(1)}" cy="${y(p[1]).toFixed(1)}" r="2.5" fill="${s.color}"/>`);
  }
  const legend = series.map((s, i) => `<rect x="${PAD.l + 8 + i * 170}" y="${PAD.t + 6}" width="10" height="10" fill="${s.color}"/><text x="${PAD.l + 22 + i * 170}" y="${PAD.t + 15}" font-size="11">${esc(s.label)}</text>`);
  return `<figure><figcaption>${esc(title)}</figcaption><svg id="${id}" role="img" aria-label="${esc(title)}" xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}">${parts.join("")}${legend.join("")}</svg></figure>`;
}

/** Pauses as bars, one per collection, against the pause target. */
function pauseChart(samples: HeapSample[], targetMs: number): string {
  const n = Math.max(1, samples.length);
  const yMax = Math.max(targetMs, ...samples.map((s) => s.event.pauseMs)) * 1.15 || 1;
  const bw = (W - PAD.l - PAD.r) / n;
  const y = (v: number) => H - PAD.b - (v / yMax) * (H - PAD.t - PAD.b);
  const bars = samples.map((s, i) => {
    const over = s.event.pauseMs > targetMs;
    const colour = s.event.kind === "young" ? "#3a7" : s.event.kind === "full" ? "#c63" : "#68c";
    return `<rect class="pause${over ? " over" : ""}" x="${(PAD.l + i * bw + 1).toFixed(1)}" y="${y(s.event.pauseMs).toFixed(1)}" width="${Math.max(1, bw - 2).toFixed(1)}" height="${(H - PAD.b - y(s.event.pauseMs)).toFixed(1)}" fill="${colour}"${over ? ' stroke="#d33"' : ""}><title>${esc(`#${i + 1} ${s.event.kind} (${s.event.reason}): ${s.event.pauseMs.toFixed(3)} ms`)}</title></rect>`;
  });
  const axis = [0, 0.5, 1].map((f) => `<text x="${PAD.l - 6}" y="${y(yMax * f) + 4}" text-anchor="end" font-size="10">${(yMax * f).toFixed(2)} ms</text>`);
  const target = `<line class="target" x1="${PAD.l}" x2="${W - PAD.r}" y1="${y(targetMs)}" y2="${y(targetMs)}" stroke="#d33" stroke-dasharray="6 4"/><text x="${W - PAD.r - 4}" y="${y(targetMs) - 4}" text-anchor="end" font-size="10" fill="#d33">pause_target ${targetMs} ms</text>`;
  const legend = [
    ["#3a7", "young"],
    ["#c63", "full"],
    ["#68c", "mark slice / compact"],
  ]
    .map(([c, l], i) => `<rect x="${PAD.l + 8 + i * 120}" y="${PAD.t + 6}" width="10" height="10" fill="${c}"/><text x="${PAD.l + 22 + i * 120}" y="${PAD.t + 15}" font-size="11">${l}</text>`)
    .join("");
  return `<figure><figcaption>Each pause against pause_target (collection number →)</figcaption><svg id="pauses" role="img" aria-label="GC pauses" xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}"><rect x="${PAD.l}" y="${PAD.t}" width="${W - PAD.l - PAD.r}" height="${H - PAD.t - PAD.b}" fill="#fafafa" stroke="#ccc"/>${axis.join("")}${bars.join("")}${target}${legend}</svg></figure>`;
}

export function renderHeapReport(d: HeapReportData): string {
  const s = d.samples;
  const xMax = s.length ? s[s.length - 1].event.atMs : 0;
  const occupancy = lineChart(
    "occupancy",
    "Heap occupancy by generation after each collection, with tensor storage beside it",
    [
      { label: "young generation", color: "#3a7", points: s.map((p) => [p.event.atMs, p.event.youngAfter]) },
      { label: "old generation", color: "#c63", points: s.map((p) => [p.event.atMs, p.event.oldAfter]) },
      { label: "tensor storage (outside heap)", color: "#85c", points: s.map((p) => [p.event.atMs, p.tensorBytes]) },
    ],
    kib,
    xMax,
  );
  let promotedSoFar = 0;
  const promotions = lineChart(
    "promotions",
    "Bytes promoted from the young to the old generation (cumulative)",
    [{ label: "promoted", color: "#c63", points: s.map((p) => [p.event.atMs, (promotedSoFar += p.event.promoted)]) }],
    kib,
    xMax,
  );
  const over = s.filter((p) => p.event.pauseMs > d.config.pauseTargetMs).length;
  const rows = [...d.live]
    .filter((o) => o.count > 0)
    .sort((a, b) => b.bytes - a.bytes)
    .map((o) => `<tr><td>${esc(o.name)}</td><td class="n">${o.count}</td><td class="n">${kib(o.bytes)}</td></tr>`)
    .join("");
  const st = d.stats;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>STARK heap report: ${esc(d.program)}</title>
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:24px;color:#222;max-width:780px}
h1{font-size:20px}h2{font-size:16px;margin-top:28px}
figure{margin:12px 0}figcaption{font-weight:600;margin-bottom:4px}
table{border-collapse:collapse}td,th{border-bottom:1px solid #ddd;padding:3px 10px;text-align:left}td.n{text-align:right}
.summary td:first-child{color:#555}
</style></head><body>
<h1>Heap report: ${esc(d.program)}</h1>
<p>GC mode <b>${esc(st.mode)}</b>, pause_target ${d.config.pauseTargetMs} ms. ${s.length} collection${s.length === 1 ? "" : "s"} (${st.youngCollections} young, ${st.fullCollections} full, ${st.markSlices} mark slices); ${over} pause${over === 1 ? "" : "s"} over the target.</p>
<table class="summary">
<tr><td>total pause</td><td>${st.totalPauseMs.toFixed(3)} ms (max ${st.maxPauseMs.toFixed(3)} ms, p99 ${st.p99PauseMs.toFixed(3)} ms)</td></tr>
<tr><td>allocated / promoted</td><td>${kib(st.bytesAllocated)} / ${kib(st.bytesPromoted)}</td></tr>
<tr><td>heap at the end</td><td>${kib(st.heapUsed)} used (young ${kib(st.youngUsed)}, old ${kib(st.oldUsed)}) of ${kib(st.heapCommitted)}</td></tr>
<tr><td>tensor storage at the end</td><td>${kib(d.tensors.liveBytes)} in ${d.tensors.liveTensors} tensors (peak ${kib(d.tensors.peakBytes)}) — owned, freed when the owner drops, not by the GC</td></tr>
</table>
<h2>Occupancy</h2>
${s.length ? occupancy : "<p>No collection happened during this run.</p>"}
<h2>Pauses</h2>
${s.length ? pauseChart(s, d.config.pauseTargetMs) : "<p>No pauses.</p>"}
<h2>Promotions</h2>
${s.length ? promotions : "<p>Nothing was promoted.</p>"}
<h2>Live objects by type at the end</h2>
${rows ? `<table id="live"><tr><th>type</th><th>objects</th><th>bytes</th></tr>${rows}</table>` : "<p>No live managed objects.</p>"}
</body></html>
`;
}
