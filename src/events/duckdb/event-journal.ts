/**
 * The event journal: where small batches become durable before they reach DuckDB. A DuckDB commit costs about the
 * same however few its rows (the appender's flush alone holds the JavaScript thread for ~0.7 ms), which made the
 * durable write most of a single-event request's cost. A journal line costs one write and one fdatasync.
 *
 * Files `<events file>.journal.<n>`, one line per group commit: a JSON array of rows. Appends go to the newest
 * segment; `rotate()` closes it and starts the next, so the store can move every row of the closed segments into
 * DuckDB in one transaction that also records "moved through segment n", then delete those files. At start-up,
 * segments after the recorded one are replayed the same way. A line cut short by a crash was never acknowledged
 * (its fdatasync had not returned) and is skipped.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { open, type FileHandle } from 'node:fs/promises'
import { basename, dirname } from 'node:path'
import type { DeviceClass, EventChannel, EventRow } from '../event-store.ts'

type JournalRow = [number, string, string, string, string, string | null, string | null, string | null, number | null, string | null, string | null, string, string]

const toLine = (rows: readonly EventRow[]): string => `${JSON.stringify(rows.map((r): JournalRow => [
  r.ts.getTime(), r.siteId, r.visitorId, r.sessionId, r.eventType, r.name, r.path, r.referrer, r.value, r.properties, r.query, r.device, r.channel,
]))}\n`

const fromLine = (line: string): EventRow[] => (JSON.parse(line) as JournalRow[]).map((r) => ({
  ts: new Date(r[0]), siteId: r[1], visitorId: r[2], sessionId: r[3], eventType: r[4], name: r[5], path: r[6], referrer: r[7], value: r[8],
  properties: r[9], query: r[10], device: r[11] as DeviceClass, channel: r[12] as EventChannel,
}))

const text = (value: unknown): boolean => typeof value === 'string'
const textOrNull = (value: unknown): boolean => value === null || typeof value === 'string'

/** Throws on a row the events table would refuse, before anything of its batch is written. */
function checkRow(row: EventRow): void {
  const ok = row.ts instanceof Date && Number.isFinite(row.ts.getTime()) && text(row.siteId) && text(row.visitorId) && text(row.sessionId)
    && text(row.eventType) && textOrNull(row.name) && textOrNull(row.path) && textOrNull(row.referrer) && textOrNull(row.properties)
    && textOrNull(row.query) && text(row.device) && text(row.channel) && (row.value === null || (typeof row.value === 'number' && Number.isFinite(row.value)))
  if (!ok) throw new TypeError('An event row has a field of the wrong type; none of its batch was stored.')
}

/** Rows written to the journal and not yet in DuckDB, with the segment that holds them. */
interface Waiting {
  readonly segment: number
  readonly rows: readonly EventRow[]
}

export class EventJournal {
  #segment: number
  #handle: FileHandle | null = null
  #queue: Promise<unknown> = Promise.resolve()
  #waiting: Waiting[] = []
  #waitingRows = 0

  private constructor(private readonly base: string, lastSegment: number, replay: Waiting[]) {
    this.#segment = lastSegment
    this.#waiting = replay
    this.#waitingRows = replay.reduce((sum, w) => sum + w.rows.length, 0)
  }

  /**
   * The journal beside `eventsFile`. The complete lines of every segment after `movedThrough` wait to be moved, as
   * if just appended; segments up to it are deleted (their rows reached DuckDB before a crash could delete them).
   */
  static open(eventsFile: string, movedThrough: number): EventJournal {
    const base = `${eventsFile}.journal`
    mkdirSync(dirname(base), { recursive: true })
    const segments = EventJournal.#segments(base)
    for (const n of segments) if (n <= movedThrough) rmSync(`${base}.${n}`, { force: true })
    const replay = segments.filter((n) => n > movedThrough).map((segment): Waiting => {
      const rows: EventRow[] = []
      for (const line of readFileSync(`${base}.${segment}`, 'utf8').split('\n')) {
        if (line === '') continue
        try {
          rows.push(...fromLine(line))
        } catch {
          // A line cut short by a crash: its fdatasync never returned, so it was never acknowledged.
        }
      }
      return { segment, rows }
    })
    return new EventJournal(base, Math.max(movedThrough, ...segments), replay)
  }

  /** Rows acknowledged and not yet moved into DuckDB. */
  get waitingRows(): number {
    return this.#waitingRows
  }

  static #segments(base: string): number[] {
    const prefix = `${basename(base)}.`
    return readdirSync(dirname(base)).filter((f) => f.startsWith(prefix) && /^\d+$/.test(f.slice(prefix.length)))
      .map((f) => Number(f.slice(prefix.length))).sort((a, b) => a - b)
  }

  /** Writes the rows as one line and waits for the disk; then they wait to be moved. */
  append(rows: readonly EventRow[]): Promise<void> {
    for (const row of rows) checkRow(row)
    const line = toLine(rows)
    return this.#serially(async () => {
      const handle = await this.#current()
      await handle.write(line)
      await handle.datasync()
      this.#waiting.push({ segment: this.#segment, rows })
      this.#waitingRows += rows.length
    })
  }

  /**
   * Closes the current segment, after the appends made before this call, and hands over every waiting row up to it.
   * Once they are committed in DuckDB with `through` recorded, `moved(through)` forgets them; until then they stay.
   */
  rotate(): Promise<{ through: number; rows: EventRow[] }> {
    return this.#serially(async () => {
      const through = this.#segment
      await this.#handle?.close()
      this.#handle = null
      return { through, rows: this.#waiting.filter((w) => w.segment <= through).flatMap((w) => w.rows) }
    })
  }

  /** The rows of segments up to `through` are in DuckDB: they stop waiting and their files go. */
  moved(through: number): void {
    const left = this.#waiting.filter((w) => w.segment > through)
    this.#waitingRows = left.reduce((sum, w) => sum + w.rows.length, 0)
    this.#waiting = left
    for (const n of EventJournal.#segments(this.base)) if (n <= through) rmSync(`${this.base}.${n}`, { force: true })
  }

  async close(): Promise<void> {
    await this.#serially(async () => {
      await this.#handle?.close()
      this.#handle = null
    })
  }

  #serially<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(work)
    this.#queue = run.catch(() => undefined)
    return run
  }

  /** The open segment; a new one's directory entry is made durable before any line in it is acknowledged. */
  async #current(): Promise<FileHandle> {
    if (this.#handle) return this.#handle
    this.#segment++
    const handle = await open(`${this.base}.${this.#segment}`, 'a')
    const directory = await open(dirname(this.base), 'r')
    try {
      await directory.sync()
    } finally {
      await directory.close()
    }
    this.#handle = handle
    return handle
  }
}

