/** A seeded random source for fuzz tests (mulberry32, src/seeded-random.ts): the whole run follows from one seed. */
import { seededRandom } from '../../src/seeded-random.ts'

export class SeededRng {
  readonly next: () => number
  constructor(seed: number) {
    this.next = seededRandom(seed)
  }

  int(below: number): number {
    return Math.floor(this.next() * below)
  }

  chance(p: number): boolean {
    return this.next() < p
  }

  pick<T>(list: readonly T[]): T {
    return list[this.int(list.length)] as T
  }
}
