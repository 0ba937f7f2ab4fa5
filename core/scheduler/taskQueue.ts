/**
 * Queued task ids ordered by priority (high first), then submission order. Insertion is a
 * binary search, so a long queue stays cheap to keep sorted.
 */
export class TaskQueue {
  private entries: Array<{ id: string; priority: number; seq: number }> = []
  private seq = 0

  get size(): number {
    return this.entries.length
  }

  push(id: string, priority: number): void {
    const entry = { id, priority, seq: this.seq++ }
    let lo = 0
    let hi = this.entries.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      const other = this.entries[mid]!
      if (other.priority > priority || (other.priority === priority && other.seq < entry.seq)) lo = mid + 1
      else hi = mid
    }
    this.entries.splice(lo, 0, entry)
  }

  remove(id: string): boolean {
    const index = this.entries.findIndex((e) => e.id === id)
    if (index < 0) return false
    this.entries.splice(index, 1)
    return true
  }

  /** Ids in dispatch order (a snapshot: safe to remove while iterating). */
  ids(): string[] {
    return this.entries.map((e) => e.id)
  }
}
