import { escapeHtml } from '../../src/receiver/admin/adminTime';
import {
  horizontalBarChart,
  legendSwatch,
  lineChart,
  niceScale,
  stackedBarChart,
} from '../../src/receiver/admin/svgCharts';

/** The attributes of every element `tag` in the markup, in order. */
function elements(svg: string, tag: string): Array<Record<string, string>> {
  return [...svg.matchAll(new RegExp(`<${tag}\\s([^>]*?)/?>`, 'gu'))].map((match) =>
    Object.fromEntries([...(match[1] ?? '').matchAll(/([\w-]+)="([^"]*)"/gu)].map((pair) => [pair[1], pair[2]])),
  );
}

const SERIES = [
  { label: 'Delivered', colour: '#1b7837' },
  { label: 'Dead', colour: '#b2182b', pattern: 'cross' as const },
];

describe('stacked bars', () => {
  const svg = stackedBarChart({
    id: 'c1',
    title: 'Deliveries per day',
    description: '9 deliveries: 7 delivered, 2 dead.',
    series: SERIES,
    columns: [
      { label: '1 Dec', values: [4, 0] },
      { label: '2 Dec', values: [3, 2] },
      { label: '3 Dec', values: [0, 0] },
    ],
    valueAxis: 'Deliveries',
    categoryAxis: 'Day (Europe/Stockholm)',
    labelEvery: 1,
  });

  it('is an image named by its title and described by its figures, scaled to the container', () => {
    expect(svg).toMatch(/^<svg [^>]*role="img" aria-labelledby="c1-title c1-desc"/u);
    expect(svg).toMatch(/viewBox="0 0 \d+ \d+" width="100%"/u);
    expect(svg).toContain('<title id="c1-title">Deliveries per day</title>');
    expect(svg).toContain('<desc id="c1-desc">9 deliveries: 7 delivered, 2 dead.</desc>');
  });

  it('draws each value as a segment whose height is proportional to it, stacked from the axis', () => {
    const rects = elements(svg, 'rect').filter((rect) => rect['data-value'] !== undefined);
    expect(rects.map((rect) => [rect['data-series'], rect['data-value']])).toEqual([
      ['Delivered', '4'],
      ['Delivered', '3'],
      ['Dead', '2'],
    ]);
    const [four, three, two] = rects.map((rect) => ({ y: Number(rect['y']), height: Number(rect['height']) }));
    expect(three!.height / two!.height).toBeCloseTo(1.5, 1);
    expect(four!.height / two!.height).toBeCloseTo(2, 1);
    // The dead segment sits on top of the delivered one of the same day.
    expect(two!.y + two!.height).toBeCloseTo(three!.y, 1);
    // An empty day has no segment, but its column is there.
    expect(svg).toContain('<g class="bar" data-label="3 Dec"></g>');
  });

  it('tells series apart by pattern as well as colour, and names the axes', () => {
    expect(svg).toContain('<pattern id="c1-p1"');
    expect(svg).toContain('fill="url(#c1-p1)"');
    expect(svg).toContain('>Deliveries</text>');
    expect(svg).toContain('>Day (Europe/Stockholm)</text>');
    expect(svg).toContain('>2 Dec</text>');
  });

  it('escapes whatever text it is given', () => {
    const hostile = stackedBarChart({
      id: 'c2',
      title: '<script>alert(1)</script>',
      description: 'a "quoted" & <b>bold</b>',
      series: [{ label: '"><img src=x>', colour: '"red"' }],
      columns: [{ label: "<day'>", values: [1] }],
      valueAxis: 'x',
      categoryAxis: 'y',
    });
    expect(hostile).not.toMatch(/<script|<img|<b>/u);
    expect(hostile).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(hostile).toContain('data-series="&quot;&gt;&lt;img src=x&gt;"');
    expect(hostile).toContain('fill="&quot;red&quot;"');
    expect(hostile).toContain('&lt;day&#39;&gt;');
  });
});

describe('horizontal bars', () => {
  const svg = horizontalBarChart({
    id: 'h',
    title: 'Participants by outcome',
    description: '15 participants.',
    bars: [
      { label: 'Matched by e-mail', value: 10, colour: '#1b7837' },
      { label: 'No match', value: 5, colour: '#a8560a' },
    ],
    valueAxis: 'Participants',
  });

  it('labels each bar and writes its count at its end, widths proportional to the counts', () => {
    const rects = elements(svg, 'rect');
    expect(rects.map((rect) => rect['data-value'])).toEqual(['10', '5']);
    expect(Number(rects[0]?.['width']) / Number(rects[1]?.['width'])).toBeCloseTo(2, 1);
    expect(svg).toContain('>Matched by e-mail</text>');
    expect(svg).toMatch(/font-weight="600">10<\/text>/u);
    expect(svg).toContain('>Participants</text>');
  });
});

describe('lines', () => {
  const chart = {
    id: 'l',
    title: 'Time to note',
    description: 'p50 and p95.',
    series: [
      { label: 'p50', colour: '#0b62a4', marker: 'circle' as const },
      { label: 'p95', colour: '#a8560a', dash: '5 3', marker: 'square' as const },
    ],
    columns: [
      { label: '1 Dec', values: [10, 60] },
      { label: '2 Dec', values: [undefined, undefined] },
      { label: '3 Dec', values: [20, 600] },
      { label: '4 Dec', values: [30, 3600] },
    ],
    valueAxis: 'Time to note',
    categoryAxis: 'Day',
    format: (value: number) => `${value} s`,
  };

  it('breaks a line where a day has no value, marks every point and names each line at its end', () => {
    const svg = lineChart(chart);
    const lines = elements(svg, 'polyline');
    // 1 Dec stands alone before the gap; 3–4 Dec are joined: one polyline per series.
    expect(lines).toHaveLength(2);
    expect(lines[0]?.['points']?.split(' ')).toHaveLength(2);
    expect(lines[1]?.['stroke-dasharray']).toBe('5 3');
    expect(elements(svg, 'circle').map((circle) => circle['data-value'])).toEqual(['10', '20', '30']);
    expect(svg).toContain('font-weight="600">p95</text>');
  });

  it('lines that end at the same height get their names apart, both readable', () => {
    const svg = lineChart({ ...chart, columns: [{ label: '4 Dec', values: [0.3, 0.3] }], logTicks: [1, 10] });
    const names = [...svg.matchAll(/<text x="[^"]+" y="([^"]+)"[^>]*font-weight="600">(p50|p95)<\/text>/gu)];
    expect(names.map((match) => match[2])).toEqual(['p50', 'p95']);
    const [p50, p95] = names.map((match) => Number(match[1]));
    expect(Math.abs(p50! - p95!)).toBeGreaterThanOrEqual(12);
  });

  it('on a logarithmic axis, each tenfold takes the same height', () => {
    const svg = lineChart({ ...chart, logTicks: [1, 10, 100, 1000, 10_000] });
    const squares = elements(svg, 'rect').map((rect) => Number(rect['y']));
    // 60 → 600 → 3600: the first step is tenfold, the second sixfold.
    const [sixty, sixHundred, hour] = squares;
    expect(sixty! - sixHundred!).toBeGreaterThan(sixHundred! - hour!);
    expect((sixty! - sixHundred!) / (sixHundred! - hour!)).toBeCloseTo(1 / Math.log10(6), 1);
    expect(svg).toContain('>10000 s</text>');
  });
});

describe('scales and legends', () => {
  it.each([
    [0, 1, 1],
    [2, 2, 1],
    [3, 3, 1],
    [18, 20, 5],
    [154, 200, 50],
    [1234, 1500, 500],
  ])('the axis for a largest value of %d ends at %d in steps of %d', (max, top, step) => {
    expect(niceScale(max)).toEqual({ top, step });
  });

  it('a legend swatch repeats the series pattern and is hidden from screen readers', () => {
    const swatch = legendSwatch('s', { label: 'Dead', colour: '#b2182b', pattern: 'cross' });
    expect(swatch).toContain('aria-hidden="true"');
    expect(swatch).toContain('<pattern id="s-p0"');
    expect(legendSwatch('t', { colour: '#a8560a', dash: '5 3', marker: 'square' })).toContain('stroke-dasharray="5 3"');
  });

  it('escapes the five characters that matter in markup', () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe(
      '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;',
    );
  });
});
