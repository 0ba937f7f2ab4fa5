import type { AttemptRunner, SchedulableServer } from './types'

/** How long a restored task waits for its server to be configured again before that server counts as gone. */
export const RESUME_GRACE_MS = 30_000

export type Triage = { kind: 'ready'; taskId: string; server: SchedulableServer } | { kind: 'gone'; taskId: string; server?: SchedulableServer }

/**
 * Restored tasks that have a session, waiting for their server so that session can be read
 * (by `runner`) before anything else happens to them. Each is pinned to the server it ran on.
 */
export class RestoredTasks {
  /** task id → [server id, when it was restored] */
  private readonly waiting = new Map<string, [serverId: string, since: number]>()
  private timer: NodeJS.Timeout | undefined

  constructor(
    readonly runner: AttemptRunner,
    private readonly graceMs: number,
    private readonly now: () => number,
  ) {}

  get size(): number {
    return this.waiting.size
  }

  add(taskId: string, serverId: string): void {
    this.waiting.set(taskId, [serverId, this.now()])
  }

  /** Stops waiting for this task; false if it was not waiting. */
  delete(taskId: string): boolean {
    return this.waiting.delete(taskId)
  }

  /** A server with a session to read keeps a slot for it until then. */
  holdsSlotOn(serverId: string): boolean {
    for (const [server] of this.waiting.values()) if (server === serverId) return true
    return false
  }

  /**
   * Takes out the tasks that can move: those whose server is ready, and those whose server is
   * gone (failed, or not configured within the grace time); the rest keep waiting (a server
   * starting, restarting or stopped by the user may still come back with the session).
   */
  take(servers: readonly SchedulableServer[]): Triage[] {
    const out: Triage[] = []
    for (const [taskId, [serverId, since]] of this.waiting) {
      const server = servers.find((s) => s.id === serverId)
      if (server?.state === 'ready') out.push({ kind: 'ready', taskId, server })
      else if (server ? server.state === 'failed' : this.now() - since >= this.graceMs) out.push({ kind: 'gone', taskId, server })
    }
    for (const { taskId } of out) this.waiting.delete(taskId)
    if (this.waiting.size === 0) this.stop()
    return out
  }

  /** Servers come and go without a pump (removed, never configured again): look again each second. */
  watch(look: () => void): void {
    if (this.timer || this.waiting.size === 0) return
    this.timer = setInterval(look, 1_000)
    this.timer.unref()
  }

  /** Stops waiting for every task (the engine is closing: they stay journalled as running). */
  stop(): void {
    this.waiting.clear()
    clearInterval(this.timer)
    this.timer = undefined
  }
}
