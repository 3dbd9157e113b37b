// A small hand-written SVG line chart: stacked panels sharing one figure, each with axes, ticks,
// a legend and optional horizontal reference lines. No dependencies; any browser shows it.

export interface Series {
  name: string;
  color: string;
  points: Array<[number, number]>;
  dashed?: boolean;
  /** draw dots instead of a line (sparse data) */
  dots?: boolean;
}

export interface Panel {
  title: string;
  xLabel: string;
  yLabel: string;
  series: Series[];
  refLines?: Array<{ y: number; label: string; color: string }>;
  /** force the y axis to start at 0 (default) */
  yMin?: number;
  yMax?: number;
}

const W = 1080;
const PANEL_H = 270;
const M = { left: 78, right: 270, top: 34, bottom: 46 };

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

function niceStep(range: number, ticks: number): number {
  const raw = range / Math.max(1, ticks);
  const mag = 10 ** Math.floor(Math.log10(raw || 1));
  const norm = raw / mag;
  const nice = norm <= 1 ? 1 : norm <= 2 ? 2 : norm <= 2.5 ? 2.5 : norm <= 5 ? 5 : 10;
  return nice * mag;
}

function fmt(v: number): string {
  const a = Math.abs(v);
  if (a >= 1_000_000) return `${(v / 1_000_000).toFixed(a % 1_000_000 === 0 ? 0 : 1)}M`;
  if (a >= 10_000) return `${(v / 1_000).toFixed(0)}k`;
  if (a >= 1_000) return `${(v / 1_000).toFixed(1)}k`;
  return Number.isInteger(v) ? String(v) : v.toFixed(1);
}

function panelSvg(p: Panel, y0: number): string {
  const plotW = W - M.left - M.right;
  const plotH = PANEL_H - M.top - M.bottom;
  const all = p.series.flatMap((s) => s.points);
  const xs = all.map((q) => q[0]);
  let xMin = xs.length ? Math.min(...xs) : 0;
  let xMax = xs.length ? Math.max(...xs) : 1;
  if (xMax === xMin) xMax = xMin + 1;
  xMin = Math.min(0, xMin);
  const ys = [...all.map((q) => q[1]), ...(p.refLines ?? []).map((r) => r.y)];
  const yMin = p.yMin ?? 0;
  let yMax = p.yMax ?? (ys.length ? Math.max(...ys) * 1.1 : 1);
  if (yMax <= yMin) yMax = yMin + 1;
  const yStep = niceStep(yMax - yMin, 5);
  yMax = Math.ceil(yMax / yStep) * yStep;
  const xStep = niceStep(xMax - xMin, 10);
  const X = (x: number) => M.left + ((x - xMin) / (xMax - xMin)) * plotW;
  const Y = (y: number) => y0 + M.top + plotH - ((Math.min(y, yMax) - yMin) / (yMax - yMin)) * plotH;

  const out: string[] = [];
  out.push(`<text x="${M.left}" y="${y0 + 22}" font-size="15" font-weight="bold">${esc(p.title)}</text>`);
  // grid and ticks
  for (let v = yMin; v <= yMax + 1e-9; v += yStep) {
    out.push(`<line x1="${M.left}" x2="${M.left + plotW}" y1="${Y(v)}" y2="${Y(v)}" stroke="#e4e4e4"/>`);
    out.push(`<text x="${M.left - 6}" y="${Y(v) + 4}" font-size="11" text-anchor="end" fill="#444">${fmt(v)}</text>`);
  }
  for (let v = Math.ceil(xMin / xStep) * xStep; v <= xMax + 1e-9; v += xStep) {
    out.push(`<line x1="${X(v)}" x2="${X(v)}" y1="${y0 + M.top}" y2="${y0 + M.top + plotH}" stroke="#f0f0f0"/>`);
    out.push(`<text x="${X(v)}" y="${y0 + M.top + plotH + 15}" font-size="11" text-anchor="middle" fill="#444">${fmt(v)}</text>`);
  }
  out.push(`<rect x="${M.left}" y="${y0 + M.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#999"/>`);
  out.push(`<text x="${M.left + plotW / 2}" y="${y0 + PANEL_H - 8}" font-size="12" text-anchor="middle" fill="#222">${esc(p.xLabel)}</text>`);
  out.push(
    `<text x="16" y="${y0 + M.top + plotH / 2}" font-size="12" text-anchor="middle" fill="#222" transform="rotate(-90 16 ${y0 + M.top + plotH / 2})">${esc(p.yLabel)}</text>`,
  );
  // reference lines
  (p.refLines ?? []).forEach((r, i) => {
    out.push(`<line x1="${M.left}" x2="${M.left + plotW}" y1="${Y(r.y)}" y2="${Y(r.y)}" stroke="${r.color}" stroke-width="1.5" stroke-dasharray="8 5"/>`);
    // alternate right / left so labels of close lines do not overlap
    const right = i % 2 === 0;
    out.push(
      `<text x="${right ? M.left + plotW - 4 : M.left + 6}" y="${Y(r.y) - 5}" font-size="11" text-anchor="${right ? "end" : "start"}" fill="${r.color}">${esc(r.label)}</text>`,
    );
  });
  // series
  for (const s of p.series) {
    if (s.points.length === 0) continue;
    if (s.dots) {
      for (const [x, y] of s.points) out.push(`<circle cx="${X(x).toFixed(1)}" cy="${Y(y).toFixed(1)}" r="2.2" fill="${s.color}"/>`);
    } else {
      const d = s.points.map(([x, y], i) => `${i === 0 ? "M" : "L"}${X(x).toFixed(1)},${Y(y).toFixed(1)}`).join(" ");
      out.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="5 4"' : ""}/>`);
    }
  }
  // legend
  p.series.forEach((s, i) => {
    const ly = y0 + M.top + 10 + i * 20;
    const lx = M.left + plotW + 14;
    out.push(`<line x1="${lx}" x2="${lx + 22}" y1="${ly}" y2="${ly}" stroke="${s.color}" stroke-width="3"${s.dashed ? ' stroke-dasharray="5 4"' : ""}/>`);
    const name = s.name.length > 36 ? `${s.name.slice(0, 35)}…` : s.name;
    out.push(`<text x="${lx + 28}" y="${ly + 4}" font-size="12" fill="#222">${esc(name)}</text>`);
  });
  return out.join("\n");
}

export function renderChart(title: string, subtitle: string, panels: Panel[]): string {
  const header = 58;
  const H = header + panels.length * PANEL_H + 10;
  const body = panels.map((p, i) => panelSvg(p, header + i * PANEL_H)).join("\n");
  return `<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="DejaVu Sans, Helvetica, Arial, sans-serif">
<rect width="100%" height="100%" fill="white"/>
<text x="${M.left}" y="26" font-size="19" font-weight="bold">${esc(title)}</text>
<text x="${M.left}" y="46" font-size="12" fill="#555">${esc(subtitle)}</text>
${body}
</svg>
`;
}
