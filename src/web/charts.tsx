/**
 * Accessible server-rendered SVG charts (d3-scale for positions, d3-shape for paths, Preact for markup): a line
 * chart with points and optional 95% interval whiskers, and a horizontal bar chart. Each chart is an `<svg
 * role="img">` named by its `<title>` and `<desc>`, has axis titles and a label on every point or bar (meaning never
 * rests on colour), and is always followed by a table of the same data. Colours and text styles live in cx280.css
 * (the CSP forbids style attributes).
 */
import { scaleBand, scaleLinear, scalePoint } from 'd3-scale'
import { line } from 'd3-shape'
import type { ComponentChildren } from 'preact'

export interface ChartPoint {
  readonly label: string
  readonly value: number | null
  /** A 95% interval around the value, drawn as a whisker. */
  readonly lower?: number | null
  readonly upper?: number | null
  /** The count behind the value, shown in the table. */
  readonly n?: number | null
}

interface ChartText {
  /** Unique on the page: ids of the title, description and table derive from it. */
  readonly id: string
  readonly title: string
  readonly description: string
  /** Axis titles. */
  readonly xLabel: string
  readonly yLabel: string
  readonly format?: (value: number) => string
  /** Value axis domain (default 0 to 1). */
  readonly domain?: readonly [number, number]
  /** Heading of the table's count column (default "n"). */
  readonly countLabel?: string
}

/** An event on the x axis (an alert opened or resolved), drawn as a numbered dashed line and listed in the table. */
export interface ChartMark {
  /** The point (category label) it falls in. */
  readonly label: string
  readonly text: string
  readonly kind?: 'opened' | 'resolved'
}

/** More columns for a chart's data table: one cell per point, in the points' order. */
export interface ChartColumn {
  readonly heading: string
  readonly cells: readonly string[]
}

export interface LineChartProps extends ChartText {
  readonly points: readonly ChartPoint[]
  readonly marks?: readonly ChartMark[]
  /** Heading of the table's marks column (default "Marks"). */
  readonly marksLabel?: string
  /** For long series: no value written at each point and at most 12 x labels; the table holds every value. */
  readonly dense?: boolean
  readonly extraColumns?: readonly ChartColumn[]
  /** Counts: value-axis ticks only at whole numbers. */
  readonly integerTicks?: boolean
}

export interface BarChartProps extends ChartText {
  readonly bars: readonly ChartPoint[]
}

const WIDTH = 640
const DENSE_X_LABELS = 12
export const percent = (value: number): string => `${(value * 100).toFixed(1)}%`

/** A line chart: one point per category along x, whiskers for intervals, the value written above each point. */
export function LineChart(props: LineChartProps) {
  const { id, points, format = percent, domain = [0, 1] } = props
  // Dense series carry long rotated labels (dates, hours): give them room above the axis title.
  const height = props.dense ? 340 : 320
  const margin = { top: 28, right: 24, bottom: props.dense ? 96 : 64, left: 72 }
  const x = scalePoint<string>().domain(points.map((p) => p.label)).range([margin.left, WIDTH - margin.right]).padding(0.5)
  const y = scaleLinear().domain(domain).range([height - margin.bottom, margin.top]).nice()
  const path = line<ChartPoint>().defined((p) => p.value !== null).x((p) => x(p.label) ?? 0).y((p) => y(p.value ?? 0))(points) ?? ''
  const step = props.dense ? Math.max(1, Math.ceil(points.length / DENSE_X_LABELS)) : 1
  const labelled = points.filter((_, i) => i % step === 0)
  const rotate = labelled.length > 8
  const marks = props.marks ?? []
  const description = marks.length === 0 ? props.description
    : `${props.description} ${marks.length === 1 ? 'A numbered dashed line marks 1 alert' : `Numbered dashed lines mark ${marks.length} alerts`}; the table lists ${marks.length === 1 ? 'it' : 'them'}.`
  return (
    <ChartFigure {...props} description={description} height={height} rows={points}>
      <ValueAxis id={id} y={y} left={margin.left} right={WIDTH - margin.right} format={format} label={props.yLabel} integer={props.integerTicks ?? false} />
      <line class="cx-chart__axis-line" x1={margin.left} x2={WIDTH - margin.right} y1={height - margin.bottom} y2={height - margin.bottom} />
      {labelled.map((p) => {
        const cx = x(p.label) ?? 0
        const ty = height - margin.bottom + 18
        return (
          <text key={`x-${p.label}`} class={`cx-chart__tick${rotate ? ' cx-chart__tick--end' : ' cx-chart__tick--middle'}`} x={cx} y={ty}
            transform={rotate ? `rotate(-35 ${cx} ${ty})` : undefined}>{p.label}</text>
        )
      })}
      <text class="cx-chart__axis-title cx-chart__tick--middle" x={(margin.left + WIDTH - margin.right) / 2} y={height - 8}>{props.xLabel}</text>
      <path class="cx-chart__line" d={path} />
      {markGroups(marks).map((group) => {
        const mx = x(group.label)
        if (mx === undefined) return null
        return (
          <g key={`m-${group.label}`} class={`cx-chart__mark${group.kinds.has('opened') ? ' cx-chart__mark--opened' : ' cx-chart__mark--resolved'}`}>
            <line x1={mx} x2={mx} y1={margin.top} y2={height - margin.bottom} />
            <text class="cx-chart__mark-label cx-chart__tick--middle" x={mx} y={margin.top - 10}>{group.numbers.join(',')}</text>
          </g>
        )
      })}
      {points.map((p) => {
        if (p.value === null) return null
        const cx = x(p.label) ?? 0
        const cy = y(p.value)
        return (
          <g key={`p-${p.label}`}>
            {p.lower !== undefined && p.lower !== null && p.upper !== undefined && p.upper !== null && (
              <g class="cx-chart__interval">
                <line x1={cx} x2={cx} y1={y(p.lower)} y2={y(p.upper)} />
                <line x1={cx - 6} x2={cx + 6} y1={y(p.lower)} y2={y(p.lower)} />
                <line x1={cx - 6} x2={cx + 6} y1={y(p.upper)} y2={y(p.upper)} />
              </g>
            )}
            <circle class="cx-chart__point" cx={cx} cy={cy} r={props.dense ? 3 : 5} />
            {!props.dense && <text class="cx-chart__value cx-chart__tick--start" x={cx + 9} y={cy - 8}>{format(p.value)}</text>}
          </g>
        )
      })}
    </ChartFigure>
  )
}

/** A horizontal bar chart: one bar per category, its value written at the end of the bar. */
export function BarChart(props: BarChartProps) {
  const { id, bars, format = percent, domain = [0, 1] } = props
  const band = 30
  const margin = { top: 12, right: 72, bottom: 52, left: 190 }
  const height = margin.top + margin.bottom + band * Math.max(1, bars.length)
  const x = scaleLinear().domain(domain).range([margin.left, WIDTH - margin.right]).nice()
  const y = scaleBand<string>().domain(bars.map((b) => b.label)).range([margin.top, height - margin.bottom]).padding(0.25)
  return (
    <ChartFigure {...props} height={height} rows={bars}>
      {x.ticks(5).map((t) => (
        <g key={`g-${t}`}>
          <line class="cx-chart__grid" x1={x(t)} x2={x(t)} y1={margin.top} y2={height - margin.bottom} />
          <text class="cx-chart__tick cx-chart__tick--middle" x={x(t)} y={height - margin.bottom + 18}>{format(t)}</text>
        </g>
      ))}
      <text class="cx-chart__axis-title cx-chart__tick--middle" x={(margin.left + WIDTH - margin.right) / 2} y={height - 8}>{props.yLabel}</text>
      {bars.map((b) => {
        const top = y(b.label) ?? 0
        const width = b.value === null ? 0 : Math.max(0, x(b.value) - margin.left)
        return (
          <g key={`b-${b.label}`}>
            <text class="cx-chart__tick cx-chart__tick--end" x={margin.left - 8} y={top + y.bandwidth() / 2 + 4}>{b.label}</text>
            <rect class="cx-chart__bar" x={margin.left} y={top} width={width} height={y.bandwidth()} />
            <text class="cx-chart__value cx-chart__tick--start" x={margin.left + width + 6} y={top + y.bandwidth() / 2 + 4}>{b.value === null ? 'no data' : format(b.value)}</text>
          </g>
        )
      })}
      <line class="cx-chart__axis-line" x1={margin.left} x2={margin.left} y1={margin.top} y2={height - margin.bottom} />
    </ChartFigure>
  )
}

/** Marks numbered from 1 in the given order, grouped by the point they fall in. */
function markGroups(marks: readonly ChartMark[]): { label: string; numbers: number[]; texts: string[]; kinds: Set<string> }[] {
  const groups = new Map<string, { label: string; numbers: number[]; texts: string[]; kinds: Set<string> }>()
  marks.forEach((mark, i) => {
    const group = groups.get(mark.label) ?? { label: mark.label, numbers: [], texts: [], kinds: new Set<string>() }
    group.numbers.push(i + 1)
    group.texts.push(`${i + 1}. ${mark.text}`)
    group.kinds.add(mark.kind ?? 'opened')
    groups.set(mark.label, group)
  })
  return [...groups.values()]
}

interface TableExtras {
  readonly marks?: readonly ChartMark[] | undefined
  readonly marksLabel?: string | undefined
  readonly extraColumns?: readonly ChartColumn[] | undefined
}

/** The figure every chart shares: caption, the SVG with its title and description, and the data table after it. */
function ChartFigure(props: ChartText & TableExtras & { height: number; rows: readonly ChartPoint[]; children: ComponentChildren }) {
  const { id, height } = props
  return (
    <figure class="cx-chart" aria-labelledby={`${id}-caption`}>
      <figcaption id={`${id}-caption`} class="cx-chart__caption">{props.title}</figcaption>
      <svg class="cx-chart__svg" viewBox={`0 0 ${WIDTH} ${height}`} role="img" aria-labelledby={`${id}-title ${id}-desc`}>
        <title id={`${id}-title`}>{props.title}</title>
        <desc id={`${id}-desc`}>{props.description}</desc>
        {props.children}
      </svg>
      <ChartTable {...props} rows={props.rows} />
    </figure>
  )
}

function ValueAxis({ id, y, left, right, format, label, integer = false }: {
  id: string; y: ReturnType<typeof scaleLinear<number, number>>; left: number; right: number; format: (v: number) => string; label: string; integer?: boolean
}) {
  const middle = (y.range()[0] as number + (y.range()[1] as number)) / 2
  return (
    <g id={`${id}-y-axis`}>
      {y.ticks(5).filter((t) => !integer || Number.isInteger(t)).map((t) => (
        <g key={`y-${t}`}>
          <line class="cx-chart__grid" x1={left} x2={right} y1={y(t)} y2={y(t)} />
          <text class="cx-chart__tick cx-chart__tick--end" x={left - 8} y={y(t) + 4}>{format(t)}</text>
        </g>
      ))}
      <text class="cx-chart__axis-title cx-chart__tick--middle" x={16} y={middle} transform={`rotate(-90 16 ${middle})`}>{label}</text>
    </g>
  )
}

/** The chart's data as a table: category, value, interval and n when the data has them, extra columns, marks. */
function ChartTable({ id, title, xLabel, yLabel, rows, format = percent, countLabel = 'n', marks = [], marksLabel = 'Marks', extraColumns = [] }: ChartText & TableExtras & { rows: readonly ChartPoint[] }) {
  const intervals = rows.some((r) => r.lower !== undefined && r.lower !== null)
  const counts = rows.some((r) => r.n !== undefined && r.n !== null)
  const marksByLabel = new Map(markGroups(marks).map((g) => [g.label, g.texts.join('; ')]))
  return (
    <div class="usa-table-container--scrollable" tabIndex={0} role="region" aria-labelledby={`${id}-table-caption`}>
      <table class="usa-table usa-table--borderless usa-table--compact cx-chart__table">
        <caption id={`${id}-table-caption`}>Data for “{title}”</caption>
        <thead>
          <tr>
            <th scope="col">{xLabel}</th>
            <th scope="col">{yLabel}</th>
            {intervals && <th scope="col">95% interval</th>}
            {counts && <th scope="col">{countLabel}</th>}
            {extraColumns.map((c) => <th scope="col" key={c.heading}>{c.heading}</th>)}
            {marks.length > 0 && <th scope="col">{marksLabel}</th>}
          </tr>
        </thead>
        <tbody>
          {rows.map((r, i) => (
            <tr key={r.label}>
              <th scope="row">{r.label}</th>
              <td>{r.value === null ? 'no data' : format(r.value)}</td>
              {intervals && <td>{r.lower !== undefined && r.lower !== null && r.upper !== undefined && r.upper !== null ? `${format(r.lower)} – ${format(r.upper)}` : '—'}</td>}
              {counts && <td>{r.n === undefined || r.n === null ? '—' : r.n.toLocaleString('en-US')}</td>}
              {extraColumns.map((c) => <td key={c.heading}>{c.cells[i] ?? '—'}</td>)}
              {marks.length > 0 && <td>{marksByLabel.get(r.label) ?? ''}</td>}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}
