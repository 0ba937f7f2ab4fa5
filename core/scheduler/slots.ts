import PQueue from 'p-queue'

/**
 * The agent slots of every server: one p-queue per server, concurrency = its capacity. The
 * lane's own count of running jobs is the one slot counter (DESIGN §6: the strategy decides
 * where, the queue decides when); nothing else counts a server's running tasks.
 */
export class Slots {
  private readonly lanes = new Map<string, PQueue>()

  /** `freed` runs after a slot was given back (p-queue's count is already down by then). */
  constructor(private readonly freed: (serverId: string) => void) {}

  running(serverId: string): number {
    return this.lanes.get(serverId)?.pending ?? 0
  }

  hasFree(serverId: string, capacity: number): boolean {
    return this.running(serverId) < capacity
  }

  /**
   * Takes one of the server's slots until `release` settles. Only called with a free slot, so the
   * job starts at once and the count goes up before this returns (p-queue starts it synchronously).
   */
  occupy(serverId: string, capacity: number, release: Promise<unknown>): void {
    void this.lane(serverId, capacity).add(() => release.catch(() => {}))
  }

  private lane(serverId: string, capacity: number): PQueue {
    let lane = this.lanes.get(serverId)
    if (!lane) {
      lane = new PQueue({ concurrency: capacity })
      lane.on('next', () => this.freed(serverId))
      this.lanes.set(serverId, lane)
    }
    lane.concurrency = capacity
    return lane
  }
}
