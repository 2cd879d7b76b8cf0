// Small charts as SVG text, drawn on the server: stacked bars, horizontal bars, lines.
//
// Why hand-written and not a chart library: the admin pages run without JavaScript (the Content-Security-Policy
// says `script-src 'none'`), so a browser-side library is out, and a server-side one (D3 with a DOM shim, Vega)
// would pull a large dependency tree into an on-prem service to draw three simple pictures. What they need — a scale,
// rectangles, a polyline, ticks, text — fits in this file as pure functions from numbers to markup, which the unit
// tests read back. Presentation is in SVG attributes only: the CSP forbids inline `style`.
//
// Every chart is `role="img"` with a <title> and a <desc> that says the figures in words; its width follows the
// container (viewBox, width 100 %), so it fits a phone without scrolling. Series are told apart by a pattern or a
// dash and a marker as well as by colour, and each chart's caller shows a legend and the numbers as a table.

import { escapeHtml } from './adminTime';

/** A series of a chart: how it is named and drawn. Colours should have 3:1 contrast against white. */
export interface ChartSeries {
  label: string;
  colour: string;
  /** Fills a bar with stripes or dots on top of the colour, so the series differs by more than hue. */
  pattern?: 'stripes' | 'dots' | 'cross' | undefined;
}

/** The box every chart is drawn in; the SVG scales it to the container's width. */
export const CHART_WIDTH = 420;
const FONT_SIZE = 13;
const INK = '#1d2330';
const MUTED = '#5b6475';
const GRID = '#d9dde5';

/** A coordinate, rounded to a tenth: short markup, and stable in tests. */
function n(value: number): string {
  return String(Math.round(value * 10) / 10);
}

/** A "nice" upper bound (1, 2, 2.5, 5 × 10^k) at or above the count `max`, and the tick step to reach it in about 4 steps. */
export function niceScale(max: number): { top: number; step: number } {
  if (!(max > 0)) return { top: 1, step: 1 };
  const rough = max / 4;
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  // Counts: never a step below 1 (no tick at 0.5 of a delivery).
  const step = Math.max(1, ([1, 2, 2.5, 5, 10].find((factor) => factor * magnitude >= rough) ?? 10) * magnitude);
  return { top: Math.ceil(max / step - 1e-9) * step, step };
}

function svgOpen(id: string, height: number, title: string, description: string): string {
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${CHART_WIDTH} ${height}" width="100%" ` +
    `preserveAspectRatio="xMidYMid meet" role="img" aria-labelledby="${id}-title ${id}-desc" ` +
    `font-family="system-ui, sans-serif" font-size="${FONT_SIZE}" class="chart-svg">` +
    `<title id="${id}-title">${escapeHtml(title)}</title><desc id="${id}-desc">${escapeHtml(description)}</desc>`
  );
}

/** The <pattern> definitions of the series that have one, named `${id}-p${index}`. */
function patternDefs(id: string, series: readonly ChartSeries[]): string {
  const defs = series.flatMap((entry, index) => {
    if (entry.pattern === undefined) return [];
    const marks = {
      stripes: '<path d="M-1,1 l2,-2 M0,6 l6,-6 M5,7 l2,-2" stroke="#fff" stroke-width="1.5"/>',
      dots: '<circle cx="3" cy="3" r="1.3" fill="#fff"/>',
      cross: '<path d="M0,0 l6,6 M6,0 l-6,6" stroke="#fff" stroke-width="1.2"/>',
    }[entry.pattern];
    return [
      `<pattern id="${id}-p${index}" width="6" height="6" patternUnits="userSpaceOnUse">` +
        `<rect width="6" height="6" fill="${escapeHtml(entry.colour)}"/>${marks}</pattern>`,
    ];
  });
  return defs.length === 0 ? '' : `<defs>${defs.join('')}</defs>`;
}

function fillOf(id: string, series: readonly ChartSeries[], index: number): string {
  const entry = series[index];
  if (entry === undefined) return INK;
  return entry.pattern === undefined ? escapeHtml(entry.colour) : `url(#${id}-p${index})`;
}

/** A vertical axis: grid lines with their values, and the axis's name turned along it. */
function valueAxis(
  plot: { left: number; right: number; top: number; bottom: number },
  scale: { top: number; step: number },
  name: string,
  format: (value: number) => string,
): string {
  const parts: string[] = [];
  for (let value = 0; value <= scale.top + 1e-9; value += scale.step) {
    const y = plot.bottom - (value / scale.top) * (plot.bottom - plot.top);
    parts.push(
      `<line x1="${n(plot.left)}" x2="${n(plot.right)}" y1="${n(y)}" y2="${n(y)}" stroke="${GRID}"/>` +
        `<text x="${n(plot.left - 6)}" y="${n(y + 4)}" text-anchor="end" fill="${MUTED}">${escapeHtml(format(value))}</text>`,
    );
  }
  const middle = (plot.top + plot.bottom) / 2;
  parts.push(
    `<text x="12" y="${n(middle)}" transform="rotate(-90 12 ${n(middle)})" text-anchor="middle" fill="${INK}">` +
      `${escapeHtml(name)}</text>`,
  );
  return `<g class="axis">${parts.join('')}</g>`;
}

/** Labels under some of the columns (`every`th, and always the last), and the axis's name below them. */
function categoryAxis(
  plot: { left: number; right: number; bottom: number },
  labels: readonly string[],
  every: number,
  name: string,
): string {
  const width = (plot.right - plot.left) / Math.max(1, labels.length);
  const shown = labels.flatMap((label, index) => {
    const last = index === labels.length - 1;
    if (!last && (labels.length - 1 - index) % every !== 0) return [];
    // The last label ends at the plot's edge rather than centred under its column, so it is never cut off.
    const x = last ? plot.right : plot.left + width * (index + 0.5);
    const anchor = last ? 'end' : 'middle';
    return [
      `<text x="${n(x)}" y="${n(plot.bottom + 16)}" text-anchor="${anchor}" fill="${MUTED}">${escapeHtml(label)}</text>`,
    ];
  });
  return (
    `<g class="axis"><line x1="${n(plot.left)}" x2="${n(plot.right)}" y1="${n(plot.bottom)}" y2="${n(plot.bottom)}" stroke="${MUTED}"/>` +
    `${shown.join('')}<text x="${n((plot.left + plot.right) / 2)}" y="${n(plot.bottom + 34)}" text-anchor="middle" fill="${INK}">` +
    `${escapeHtml(name)}</text></g>`
  );
}

export interface StackedBarChart {
  /** Unique on the page: the SVG's ids (title, patterns) start with it. */
  id: string;
  title: string;
  /** The figures in words, for screen readers. */
  description: string;
  series: readonly ChartSeries[];
  /** One column per entry, its values in the order of `series`. */
  columns: ReadonlyArray<{ label: string; values: readonly number[] }>;
  valueAxis: string;
  categoryAxis: string;
  /** Label every how many columns (counted back from the last). Default 7. */
  labelEvery?: number | undefined;
}

/** Columns of stacked bars (one per day, say), the first series at the bottom. */
export function stackedBarChart(chart: StackedBarChart): string {
  const height = 250;
  const plot = { left: 52, right: CHART_WIDTH - 8, top: 10, bottom: height - 44 };
  const totals = chart.columns.map((column) => column.values.reduce((sum, value) => sum + value, 0));
  const scale = niceScale(Math.max(0, ...totals));
  const slot = (plot.right - plot.left) / Math.max(1, chart.columns.length);
  const barWidth = Math.max(1, slot * 0.72);
  const perUnit = (plot.bottom - plot.top) / scale.top;
  const bars = chart.columns.map((column, columnIndex) => {
    const x = plot.left + slot * columnIndex + (slot - barWidth) / 2;
    let y = plot.bottom;
    const segments = column.values.flatMap((value, seriesIndex) => {
      if (!(value > 0)) return [];
      const h = value * perUnit;
      y -= h;
      const name = chart.series[seriesIndex]?.label ?? '';
      return [
        `<rect x="${n(x)}" y="${n(y)}" width="${n(barWidth)}" height="${n(h)}" fill="${fillOf(chart.id, chart.series, seriesIndex)}" ` +
          `stroke="#fff" stroke-width="0.75" data-series="${escapeHtml(name)}" data-value="${value}">` +
          `<title>${escapeHtml(`${column.label}: ${name} ${value}`)}</title></rect>`,
      ];
    });
    return `<g class="bar" data-label="${escapeHtml(column.label)}">${segments.join('')}</g>`;
  });
  return (
    svgOpen(chart.id, height, chart.title, chart.description) +
    patternDefs(chart.id, chart.series) +
    valueAxis(plot, scale, chart.valueAxis, formatCount) +
    bars.join('') +
    categoryAxis(
      plot,
      chart.columns.map((column) => column.label),
      chart.labelEvery ?? 7,
      chart.categoryAxis,
    ) +
    '</svg>'
  );
}

export interface HorizontalBarChart {
  id: string;
  title: string;
  description: string;
  /** One bar per entry, top to bottom; its value written at its end. */
  bars: ReadonlyArray<{ label: string; value: number; colour: string }>;
  valueAxis: string;
}

/** One labelled horizontal bar per category, the count written at its end (the label is the legend). */
export function horizontalBarChart(chart: HorizontalBarChart): string {
  const rowHeight = 24;
  const plot = { left: 150, right: CHART_WIDTH - 44, top: 6 };
  const height = plot.top + rowHeight * chart.bars.length + 34;
  const bottom = plot.top + rowHeight * chart.bars.length;
  const scale = niceScale(Math.max(0, ...chart.bars.map((bar) => bar.value)));
  const perUnit = (plot.right - plot.left) / scale.top;
  const rows = chart.bars.map((bar, index) => {
    const y = plot.top + rowHeight * index;
    const width = Math.max(0, bar.value * perUnit);
    return (
      `<g class="bar" data-label="${escapeHtml(bar.label)}">` +
      `<text x="${n(plot.left - 6)}" y="${n(y + rowHeight / 2 + 4)}" text-anchor="end" fill="${INK}">${escapeHtml(bar.label)}</text>` +
      `<rect x="${n(plot.left)}" y="${n(y + 4)}" width="${n(width)}" height="${n(rowHeight - 8)}" fill="${escapeHtml(bar.colour)}" data-value="${bar.value}"/>` +
      `<text x="${n(plot.left + width + 4)}" y="${n(y + rowHeight / 2 + 4)}" fill="${INK}" font-weight="600">${bar.value}</text></g>`
    );
  });
  const ticks: string[] = [];
  for (let value = 0; value <= scale.top + 1e-9; value += scale.step) {
    const x = plot.left + value * perUnit;
    ticks.push(
      `<line x1="${n(x)}" x2="${n(x)}" y1="${n(plot.top)}" y2="${n(bottom)}" stroke="${GRID}"/>` +
        `<text x="${n(x)}" y="${n(bottom + 14)}" text-anchor="middle" fill="${MUTED}">${formatCount(value)}</text>`,
    );
  }
  return (
    svgOpen(chart.id, height, chart.title, chart.description) +
    `<g class="axis">${ticks.join('')}<text x="${n((plot.left + plot.right) / 2)}" y="${n(bottom + 30)}" text-anchor="middle" fill="${INK}">` +
    `${escapeHtml(chart.valueAxis)}</text></g>` +
    rows.join('') +
    '</svg>'
  );
}

export interface LineChart {
  id: string;
  title: string;
  description: string;
  /** Each line's look: a dash (`4 3`) and its marker, besides its colour. */
  series: ReadonlyArray<{ label: string; colour: string; dash?: string | undefined; marker: 'circle' | 'square' }>;
  /** One point per column; undefined leaves a gap (a day without a note). Values in the series' order. */
  columns: ReadonlyArray<{ label: string; values: ReadonlyArray<number | undefined> }>;
  valueAxis: string;
  categoryAxis: string;
  /** How a value is written on the axis (`90` → `1.5 min`). */
  format: (value: number) => string;
  /**
   * A logarithmic value axis through these values (ascending, above 0), for figures that span seconds to hours; values
   * outside are drawn at its ends. Default: a linear axis from 0.
   */
  logTicks?: readonly number[] | undefined;
  labelEvery?: number | undefined;
}

/** Lines over columns (days), broken where a column has no value, each point marked and each line named at its end. */
export function lineChart(chart: LineChart): string {
  const height = 250;
  const plot = { left: 66, right: CHART_WIDTH - 34, top: 12, bottom: height - 44 };
  const all = chart.columns.flatMap((column) => column.values.filter((value): value is number => value !== undefined));
  const scale = niceScale(Math.max(0, ...all));
  const slot = (plot.right - plot.left) / Math.max(1, chart.columns.length);
  const xOf = (index: number) => plot.left + slot * (index + 0.5);
  const log = chart.logTicks === undefined ? undefined : logAxis(chart.logTicks);
  const yOf = (value: number) =>
    plot.bottom - (log ? log.fraction(value) : value / scale.top) * (plot.bottom - plot.top);
  // Each line's name is written at its last point; names that would overlap (lines ending at the same height) are
  // moved apart, the higher one up, so both stay readable.
  const endLabelY: number[] = [];
  const placeEndLabel = (y: number) => {
    let placed = y + 4;
    while (endLabelY.some((other) => Math.abs(other - placed) < 12)) placed -= 12;
    endLabelY.push(placed);
    return placed;
  };
  const lines = chart.series.map((series, seriesIndex) => {
    const colour = escapeHtml(series.colour);
    const runs: string[][] = [];
    let run: string[] = [];
    const markers: string[] = [];
    let last: { x: number; y: number } | undefined;
    chart.columns.forEach((column, index) => {
      const value = column.values[seriesIndex];
      if (value === undefined) {
        if (run.length > 0) runs.push(run);
        run = [];
        return;
      }
      const x = xOf(index);
      const y = yOf(value);
      run.push(`${n(x)},${n(y)}`);
      last = { x, y };
      const tip = `<title>${escapeHtml(`${column.label}: ${series.label} ${chart.format(value)}`)}</title>`;
      markers.push(
        series.marker === 'circle'
          ? `<circle cx="${n(x)}" cy="${n(y)}" r="3.2" fill="${colour}" data-value="${value}">${tip}</circle>`
          : `<rect x="${n(x - 3)}" y="${n(y - 3)}" width="6" height="6" fill="${colour}" data-value="${value}">${tip}</rect>`,
      );
    });
    if (run.length > 0) runs.push(run);
    const dash = series.dash === undefined ? '' : ` stroke-dasharray="${escapeHtml(series.dash)}"`;
    const paths = runs
      .filter((points) => points.length > 1)
      .map(
        (points) => `<polyline points="${points.join(' ')}" fill="none" stroke="${colour}" stroke-width="2"${dash}/>`,
      );
    const end =
      last === undefined
        ? ''
        : `<text x="${n(last.x + 6)}" y="${n(placeEndLabel(last.y))}" fill="${colour}" font-weight="600">${escapeHtml(series.label)}</text>`;
    return `<g class="line" data-series="${escapeHtml(series.label)}">${paths.join('')}${markers.join('')}${end}</g>`;
  });
  return (
    svgOpen(chart.id, height, chart.title, chart.description) +
    (log
      ? logValueAxis(plot, log, chart.valueAxis, chart.format)
      : valueAxis(plot, scale, chart.valueAxis, chart.format)) +
    categoryAxis(
      plot,
      chart.columns.map((column) => column.label),
      chart.labelEvery ?? 7,
      chart.categoryAxis,
    ) +
    lines.join('') +
    '</svg>'
  );
}

/** A logarithmic axis through `ticks`: where a value falls between the first and the last, from 0 to 1. */
function logAxis(ticks: readonly number[]) {
  const low = Math.log10(Math.max(Number.MIN_VALUE, ticks[0] ?? 1));
  const high = Math.log10(Math.max(ticks[ticks.length - 1] ?? 10, 10 ** low * 10));
  return {
    ticks,
    fraction: (value: number) =>
      Math.min(1, Math.max(0, (Math.log10(Math.max(value, 10 ** low)) - low) / (high - low))),
  };
}

function logValueAxis(
  plot: { left: number; right: number; top: number; bottom: number },
  axis: ReturnType<typeof logAxis>,
  name: string,
  format: (value: number) => string,
): string {
  const parts = axis.ticks.map((value) => {
    const y = plot.bottom - axis.fraction(value) * (plot.bottom - plot.top);
    return (
      `<line x1="${n(plot.left)}" x2="${n(plot.right)}" y1="${n(y)}" y2="${n(y)}" stroke="${GRID}"/>` +
      `<text x="${n(plot.left - 6)}" y="${n(y + 4)}" text-anchor="end" fill="${MUTED}">${escapeHtml(format(value))}</text>`
    );
  });
  const middle = (plot.top + plot.bottom) / 2;
  parts.push(
    `<text x="12" y="${n(middle)}" transform="rotate(-90 12 ${n(middle)})" text-anchor="middle" fill="${INK}">` +
      `${escapeHtml(name)}</text>`,
  );
  return `<g class="axis">${parts.join('')}</g>`;
}

function formatCount(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(1);
}

/** A legend's sample of a series (colour and pattern, or line and marker), hidden from screen readers. */
export function legendSwatch(
  id: string,
  series: ChartSeries | { colour: string; dash?: string | undefined; marker: 'circle' | 'square' },
): string {
  const open = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 18 14" width="18" height="14" aria-hidden="true" focusable="false" class="chart-swatch">`;
  const colour = escapeHtml(series.colour);
  if ('marker' in series) {
    const dash = series.dash === undefined ? '' : ` stroke-dasharray="${escapeHtml(series.dash)}"`;
    const marker =
      series.marker === 'circle'
        ? `<circle cx="9" cy="7" r="3.2" fill="${colour}"/>`
        : `<rect x="6" y="4" width="6" height="6" fill="${colour}"/>`;
    return `${open}<line x1="0" x2="18" y1="7" y2="7" stroke="${colour}" stroke-width="2"${dash}/>${marker}</svg>`;
  }
  const fill = series.pattern === undefined ? colour : `url(#${id}-p0)`;
  return `${open}${patternDefs(id, [series])}<rect x="1" y="1" width="16" height="12" fill="${fill}" stroke="${INK}" stroke-width="0.5"/></svg>`;
}
