/** The HTML report's trend chart: genuine and flaky failures per stored run as stacked bars, as inline SVG. */
import { escapeHtml, formatCount } from './text.ts';

export interface TrendPoint {
  label: string;
  date: string;
  genuine: number;
  flaky: number;
  total: number;
  current: boolean;
}

const W = 900;
const H = 220;
const PAD = { left: 52, right: 12, top: 14, bottom: 50 };

/** A whole-number tick step (1, 2, 5 × 10^k, or 2.5 × 10^k from 25 up) giving at most 5 intervals up to `max`. */
function tickStep(max: number): number {
  for (let p = 1; ; p *= 10) {
    for (const m of [1, 2, 2.5, 5]) {
      const s = m * p;
      if (Number.isInteger(s) && max / s <= 5) return s;
    }
  }
}

export function renderTrendSvg(points: TrendPoint[]): string {
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const highest = Math.max(1, ...points.map((p) => p.genuine + p.flaky));
  const step = tickStep(highest);
  const top = Math.ceil(highest / step) * step;
  const y = (v: number): number => PAD.top + plotH - (v / top) * plotH;
  const slot = plotW / Math.max(points.length, 1);
  const barW = Math.max(2, Math.min(36, slot * 0.62));
  const parts: string[] = [];
  for (let v = 0; v <= top; v += step) {
    const yy = y(v).toFixed(1);
    parts.push(`<line class="grid" x1="${PAD.left}" x2="${W - PAD.right}" y1="${yy}" y2="${yy}"/>`);
    parts.push(`<text class="axis" x="${PAD.left - 6}" y="${yy}" text-anchor="end" dominant-baseline="middle">${formatCount(v)}</text>`);
  }
  // Label every k-th run so labels never overlap.
  const every = Math.max(1, Math.ceil(points.length / Math.floor(plotW / 56)));
  points.forEach((p, i) => {
    const cx = PAD.left + slot * i + slot / 2;
    const x = (cx - barW / 2).toFixed(1);
    const tip = `${p.label}${p.date ? ` · ${p.date}` : ''}: ${p.genuine} genuine, ${p.flaky} flaky of ${p.total} tests`;
    const yg = y(p.genuine);
    const yf = y(p.genuine + p.flaky);
    parts.push(`<g class="bar${p.current ? ' current' : ''}"><title>${escapeHtml(tip)}</title>`);
    parts.push(`<rect class="hit" x="${(cx - slot / 2).toFixed(1)}" y="${PAD.top}" width="${slot.toFixed(1)}" height="${plotH}"/>`);
    if (p.genuine > 0) parts.push(`<rect class="genuine" x="${x}" y="${yg.toFixed(1)}" width="${barW.toFixed(1)}" height="${(y(0) - yg).toFixed(1)}" rx="2"/>`);
    if (p.flaky > 0) parts.push(`<rect class="flaky" x="${x}" y="${yf.toFixed(1)}" width="${barW.toFixed(1)}" height="${(yg - yf).toFixed(1)}" rx="2"/>`);
    if (p.genuine + p.flaky === 0) parts.push(`<rect class="ok" x="${x}" y="${(y(0) - 2).toFixed(1)}" width="${barW.toFixed(1)}" height="2"/>`);
    parts.push('</g>');
    if (i % every === 0 || p.current) {
      parts.push(`<text class="axis${p.current ? ' strong' : ''}" x="${cx.toFixed(1)}" y="${H - PAD.bottom + 16}" text-anchor="middle">${escapeHtml(p.label)}</text>`);
    }
  });
  parts.push(`<line class="base" x1="${PAD.left}" x2="${W - PAD.right}" y1="${y(0).toFixed(1)}" y2="${y(0).toFixed(1)}"/>`);
  const legend =
    `<g class="legend" transform="translate(${PAD.left},${H - 6})">` +
    '<rect class="genuine" width="10" height="10" y="-9" rx="2"/><text x="15" y="0">genuine failures</text>' +
    '<rect class="flaky" x="130" width="10" height="10" y="-9" rx="2"/><text x="145" y="0">flaky failures</text></g>';
  return `<svg class="trend" viewBox="0 0 ${W} ${H}" role="img" aria-label="Genuine and flaky failures per run">${parts.join('')}${legend}</svg>`;
}
