/**
 * Group commit for events: rows from concurrent requests are gathered and written in one batch, and each request's
 * promise settles only when the batch holding its rows has been committed. Nothing acknowledged is lost on a crash
 * (it was committed before the answer), and nothing unacknowledged is reported as stored (a failed batch rejects
 * every request in it). One batch is written at a time; rows arriving meanwhile form the next batch.
 */

export interface WriteBufferOptions {
  /** Write as soon as this many rows wait. */
  readonly maxRows: number
  /** Otherwise, when no write is running, write this long after the first waiting row arrived. */
  readonly maxDelayMs: number
}

interface Waiting<T> {
  readonly rows: readonly T[]
  readonly resolve: () => void
  readonly reject: (error: unknown) => void
}

export class WriteBuffer<T> {
  #waiting: Waiting<T>[] = []
  #waitingRows = 0
  #timer: NodeJS.Timeout | null = null
  #writing: Promise<void> | null = null
  #closed = false

  constructor(private readonly write: (rows: readonly T[]) => Promise<void>, private readonly options: WriteBufferOptions) {}

  /** Resolves once the rows are committed; rejects if their batch failed (then none of them is stored). */
  append(rows: readonly T[]): Promise<void> {
    if (this.#closed) return Promise.reject(new Error('The event writer is closed.'))
    if (rows.length === 0) return Promise.resolve()
    return new Promise<void>((resolve, reject) => {
      this.#waiting.push({ rows, resolve, reject })
      this.#waitingRows += rows.length
      if (this.#waitingRows >= this.options.maxRows) this.#start()
      else this.#timer ??= setTimeout(() => this.#start(), this.options.maxDelayMs)
    })
  }

  /** Writes everything waiting and resolves when it is committed. */
  async flush(): Promise<void> {
    while (this.#waiting.length > 0 || this.#writing) {
      this.#start()
      await this.#writing?.catch(() => undefined)
    }
  }

  /** Stops taking rows and writes what is waiting. */
  async close(): Promise<void> {
    this.#closed = true
    await this.flush()
  }

  #start(): void {
    if (this.#timer) {
      clearTimeout(this.#timer)
      this.#timer = null
    }
    if (this.#writing || this.#waiting.length === 0) return
    const batch = this.#waiting
    this.#waiting = []
    this.#waitingRows = 0
    this.#writing = this.write(batch.flatMap((w) => w.rows)).then(
      () => batch.forEach((w) => w.resolve()),
      (error: unknown) => batch.forEach((w) => w.reject(error)),
    ).finally(() => {
      this.#writing = null
      // Rows that arrived during the write have waited a write's length already: they go now, as the next batch.
      if (this.#waiting.length > 0) this.#start()
    })
  }
}
