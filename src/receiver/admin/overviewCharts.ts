import type { ParticipantOutcomeCategory } from '../../core';
import { DAY_OUTCOMES, percentile, type DayOutcome, type OverviewFigures } from './overviewFigures';
import { horizontalBarChart, legendSwatch, lineChart, stackedBarChart, type ChartSeries } from './svgCharts';

// The overview's three pictures as views/partials/charts.ejs shows them: each an SVG (or the words for an empty
// window), a legend, and its figures as a table.

export interface ChartView {
  id: string;
  title: string;
  /** One sentence under the title: what is counted and how. */
  caption: string;
  /** The chart, SVG markup (already escaped); absent when there is nothing to draw. */
  svg?: string | undefined;
  /** What is shown instead of an empty chart. */
  empty?: string | undefined;
  /** Each series: its sample (SVG markup) and name. */
  legend: Array<{ swatch: string; label: string }>;
  table: { caption: string; head: string[]; rows: string[][] };
}

/** The colours of the pictures: 3:1 or more against white, and told apart by pattern, marker or label as well. */
const COLOURS = { green: '#1b7837', blue: '#0b62a4', orange: '#a8560a', red: '#b2182b', grey: '#5b6475' };

const OUTCOME_SERIES: Record<DayOutcome, ChartSeries> = {
  delivered: { label: 'Delivered', colour: COLOURS.green },
  company_only: { label: 'Company only', colour: COLOURS.blue, pattern: 'dots' },
  no_match: { label: 'No match', colour: COLOURS.orange, pattern: 'stripes' },
  dead: { label: 'Dead', colour: COLOURS.red, pattern: 'cross' },
};

const PARTICIPANT_LABELS: Record<ParticipantOutcomeCategory, { label: string; colour: string }> = {
  matched_email: { label: 'Matched by e-mail', colour: COLOURS.green },
  matched_mobile: { label: 'Matched by mobile', colour: COLOURS.green },
  matched_phone: { label: 'Matched by phone', colour: COLOURS.green },
  created: { label: 'Created', colour: COLOURS.green },
  assigned: { label: 'Assigned by an admin', colour: COLOURS.green },
  company_only: { label: 'Company only', colour: COLOURS.blue },
  ambiguous: { label: 'Ambiguous', colour: COLOURS.orange },
  no_match: { label: 'No match', colour: COLOURS.orange },
  internal: { label: 'Internal', colour: COLOURS.grey },
  not_matchable: { label: 'No e-mail or phone', colour: COLOURS.grey },
  dry_run: { label: 'Dry run', colour: COLOURS.grey },
};

const dayLabels = new Intl.DateTimeFormat('en-GB', { timeZone: 'UTC', day: 'numeric', month: 'short' });
/** `2026-12-04` → `4 Dec`. */
function dayLabel(date: string): string {
  return dayLabels.format(new Date(`${date}T00:00:00Z`));
}

/** The unit a set of durations reads best in, and the duration in it. */
function durationUnit(maxSeconds: number): { name: string; short: string; seconds: number } {
  if (maxSeconds <= 120) return { name: 'seconds', short: 's', seconds: 1 };
  if (maxSeconds <= 7200) return { name: 'minutes', short: 'min', seconds: 60 };
  return { name: 'hours', short: 'h', seconds: 3600 };
}

/** A duration in words: `under 1 s`, `42 s`, `3.5 min`, `1.2 h`. */
export function formatSeconds(seconds: number): string {
  // Below a second "0 s" would read as instant or as missing: say what it is.
  if (seconds < 1) return 'under 1 s';
  const unit = durationUnit(seconds);
  const value = seconds / unit.seconds;
  return `${value < 10 && unit.seconds > 1 ? value.toFixed(1) : Math.round(value)} ${unit.short}`;
}

/** Round durations for a logarithmic axis, seconds to a week. */
const DURATION_TICKS = [
  { seconds: 1, label: '1 s' },
  { seconds: 10, label: '10 s' },
  { seconds: 60, label: '1 min' },
  { seconds: 600, label: '10 min' },
  { seconds: 3600, label: '1 h' },
  { seconds: 6 * 3600, label: '6 h' },
  { seconds: 86_400, label: '1 day' },
  { seconds: 7 * 86_400, label: '7 days' },
];

/** The ticks from the last at or below the smallest duration to the first at or above the largest (two at least). */
export function logTicksFor(seconds: readonly number[]): Array<{ seconds: number; label: string }> {
  const low = Math.min(...seconds);
  const high = Math.max(...seconds);
  const first = Math.max(
    0,
    DURATION_TICKS.findLastIndex((tick) => tick.seconds <= low),
  );
  const found = DURATION_TICKS.findIndex((tick) => tick.seconds >= high);
  const last = Math.max(first + 1, found === -1 ? DURATION_TICKS.length - 1 : found);
  return DURATION_TICKS.slice(first, last + 1);
}

const plural = (count: number, one: string, many: string) => `${count} ${count === 1 ? one : many}`;

/** The three pictures of the overview, from its figures. */
export function overviewCharts(figures: OverviewFigures): ChartView[] {
  const days = figures.days.length;
  const period = `the last ${days} days`;
  const zone = `days in ${figures.timeZone}`;
  return [
    deliveriesChart(figures, period, zone),
    participantsChart(figures, period),
    timeToNoteChart(figures, period, zone),
  ];
}

function deliveriesChart(figures: OverviewFigures, period: string, zone: string): ChartView {
  const id = 'chart-deliveries';
  const totals = Object.fromEntries(
    DAY_OUTCOMES.map((outcome) => [outcome, figures.days.reduce((sum, day) => sum + day.outcomes[outcome], 0)]),
  ) as Record<DayOutcome, number>;
  const open = figures.days.reduce((sum, day) => sum + day.open, 0);
  const settled = DAY_OUTCOMES.reduce((sum, outcome) => sum + totals[outcome], 0);
  const title = `Deliveries per day, ${period}`;
  const busiest = [...figures.days].sort(
    (a, b) => sumOutcomes(b.outcomes) - sumOutcomes(a.outcomes) || b.date.localeCompare(a.date),
  )[0];
  const words =
    `${plural(settled, 'delivery', 'deliveries')} settled in ${period}: ` +
    DAY_OUTCOMES.map((outcome) => `${totals[outcome]} ${OUTCOME_SERIES[outcome].label.toLowerCase()}`).join(', ') +
    (busiest && settled > 0
      ? `; the busiest day ${dayLabel(busiest.date)} with ${sumOutcomes(busiest.outcomes)}`
      : '') +
    (open > 0 ? `; ${open} still open (not drawn)` : '') +
    '.';
  return {
    id,
    title,
    caption:
      `Each bar is a day (${zone}), by when the summary arrived; "company only": a number named a company but no ` +
      'person, so nothing was written. ' +
      words,
    ...(settled + open === 0
      ? { empty: `No deliveries in ${period}.` }
      : {
          svg: stackedBarChart({
            id,
            title,
            description: words,
            series: DAY_OUTCOMES.map((outcome) => OUTCOME_SERIES[outcome]),
            columns: figures.days.map((day) => ({
              label: dayLabel(day.date),
              values: DAY_OUTCOMES.map((outcome) => day.outcomes[outcome]),
            })),
            valueAxis: 'Deliveries',
            categoryAxis: `Day (${figures.timeZone})`,
          }),
        }),
    legend: DAY_OUTCOMES.map((outcome, index) => ({
      swatch: legendSwatch(`${id}-legend-${index}`, OUTCOME_SERIES[outcome]),
      label: OUTCOME_SERIES[outcome].label,
    })),
    table: {
      caption: `${title} (${zone})`,
      head: ['Day', ...DAY_OUTCOMES.map((outcome) => OUTCOME_SERIES[outcome].label), 'Open'],
      rows: figures.days.map((day) => [
        dayLabel(day.date),
        ...DAY_OUTCOMES.map((outcome) => String(day.outcomes[outcome])),
        String(day.open),
      ]),
    },
  };
}

function sumOutcomes(outcomes: Record<DayOutcome, number>): number {
  return DAY_OUTCOMES.reduce((sum, outcome) => sum + outcomes[outcome], 0);
}

function participantsChart(figures: OverviewFigures, period: string): ChartView {
  const id = 'chart-participants';
  const title = `Participants by outcome, ${period}`;
  const counted = (Object.keys(PARTICIPANT_LABELS) as ParticipantOutcomeCategory[])
    .map((category) => ({ category, count: figures.participants[category], ...PARTICIPANT_LABELS[category] }))
    .filter((entry) => entry.count > 0);
  const total = counted.reduce((sum, entry) => sum + entry.count, 0);
  const words =
    total === 0
      ? `No participants of delivered meetings in ${period}.`
      : `${plural(total, 'participant', 'participants')} of delivered meetings: ` +
        counted.map((entry) => `${entry.label.toLowerCase()} ${entry.count}`).join(', ') +
        '.';
  return {
    id,
    title,
    caption:
      'How each participant of the meetings delivered was matched (internal: a colleague; dry run: would have been ' +
      `written). ${words}`,
    ...(total === 0
      ? { empty: `No participants of delivered meetings in ${period}.` }
      : {
          svg: horizontalBarChart({
            id,
            title,
            description: words,
            bars: counted.map((entry) => ({ label: entry.label, value: entry.count, colour: entry.colour })),
            valueAxis: 'Participants',
          }),
        }),
    legend: [],
    table: {
      caption: title,
      head: ['Outcome', 'Participants'],
      rows: counted.map((entry) => [entry.label, String(entry.count)]),
    },
  };
}

function timeToNoteChart(figures: OverviewFigures, period: string, zone: string): ChartView {
  const id = 'chart-time-to-note';
  const title = `Time from summary to note, ${period}`;
  const notes = figures.days.reduce((sum, day) => sum + day.notes, 0);
  const ticks = logTicksFor(figures.days.flatMap((day) => [day.p50Seconds ?? [], day.p95Seconds ?? []].flat()));
  const series = [
    { label: 'p50', colour: COLOURS.blue, marker: 'circle' as const },
    { label: 'p95', colour: COLOURS.orange, dash: '5 3', marker: 'square' as const },
  ];
  const withNotes = figures.days.filter((day) => day.notes > 0);
  const slowest = [...withNotes].sort((a, b) => (b.p95Seconds ?? 0) - (a.p95Seconds ?? 0))[0];
  const medians = withNotes.map((day) => day.p50Seconds ?? 0).sort((a, b) => a - b);
  const words =
    notes === 0
      ? `No notes written in ${period}.`
      : `${plural(notes, 'meeting', 'meetings')} got a note; on a typical day half were written within ` +
        `${formatSeconds(percentile(medians, 0.5) ?? 0)}` +
        (slowest ? `; the slowest day ${dayLabel(slowest.date)}, p95 ${formatSeconds(slowest.p95Seconds ?? 0)}` : '') +
        '.';
  return {
    id,
    title,
    caption:
      'From the receiver storing the summary (or a re-send or requeue reopening it) to the note written in the CRM, per ' +
      `day (${zone}): p50, half were quicker; p95, all but the slowest 5 %. ${words}`,
    ...(notes === 0
      ? { empty: `No notes written in ${period}.` }
      : {
          svg: lineChart({
            id,
            title,
            description: words,
            series,
            columns: figures.days.map((day) => ({
              label: dayLabel(day.date),
              values: [day.p50Seconds, day.p95Seconds],
            })),
            valueAxis: 'Time to note (log scale)',
            categoryAxis: `Day (${figures.timeZone})`,
            logTicks: ticks.map((tick) => tick.seconds),
            format: (value) => ticks.find((tick) => tick.seconds === value)?.label ?? formatSeconds(value),
          }),
        }),
    legend: series.map((entry, index) => ({
      swatch: legendSwatch(`${id}-legend-${index}`, entry),
      label: entry.label === 'p50' ? 'p50 (median)' : 'p95',
    })),
    table: {
      caption: `${title} (${zone})`,
      head: ['Day', 'Notes', 'p50', 'p95'],
      rows: withNotes.map((day) => [
        dayLabel(day.date),
        String(day.notes),
        formatSeconds(day.p50Seconds ?? 0),
        formatSeconds(day.p95Seconds ?? 0),
      ]),
    },
  };
}
