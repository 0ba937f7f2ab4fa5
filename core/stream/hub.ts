import type { OcEvent } from '../contract/opencode'
import { eventSessionId } from '../contract/opencode'
import { HubSubscription as Subscription } from './hubSubscription'

export interface HubEvent {
  serverId: string
  event: OcEvent
  at: number
  /** The opencode instance (project folder or worktree) it came from, as opencode resolved the path. */
  directory?: string
}

/** A subscription to one topic; server events unless told otherwise. */
export type HubSubscription<T = HubEvent> = Subscription<T>

export interface HubFilter {
  serverId?: string
  sessionId?: string
}

/** A piece of a task's rendered output (ANSI text, already redacted), in the order the task produced it. */
export interface TaskOutput {
  taskId: string
  text: string
  at: number
}

/** Task output to one task's readers, or to every task's (`taskId` omitted: the CLI). */
export interface TaskOutputFilter {
  taskId?: string
}

/** Default queue size of a subscription: far above what a reader that keeps up ever holds between two microtasks. */
const DEFAULT_CAPACITY = 10_000

/**
 * One SSE stream per server comes in, and every task's output; many readers go out. Two
 * topics, one rule: in-engine listeners (scheduler, attention, the task output log) are called
 * inline and must be quick; everything else (panes, the CLI) gets a bounded subscription.
 */
export class EventHub {
  private readonly listeners = new Set<(item: HubEvent) => void>()
  private readonly subscriptions = new Map<HubSubscription<HubEvent>, HubFilter>()
  private readonly outputListeners = new Set<(item: TaskOutput) => void>()
  /** Output readers by task id ('' = every task): one lookup per chunk however many panes are open. */
  private readonly outputSubscriptions = new Map<string, Set<HubSubscription<TaskOutput>>>()

  publish(serverId: string, event: OcEvent, at = Date.now(), directory?: string): void {
    const item: HubEvent = { serverId, event, at, directory }
    for (const listener of this.listeners) listener(item)
    for (const [subscription, filter] of this.subscriptions) if (matches(filter, item)) subscription.offer(item)
  }

  listen(listener: (item: HubEvent) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  subscribe(filter: HubFilter, onReadable: (subscription: HubSubscription<HubEvent>) => void, capacity = DEFAULT_CAPACITY): HubSubscription<HubEvent> {
    const subscription = new Subscription(capacity, onReadable, (s) => this.subscriptions.delete(s))
    this.subscriptions.set(subscription, filter)
    return subscription
  }

  publishOutput(taskId: string, text: string, at = Date.now()): void {
    const item: TaskOutput = { taskId, text, at }
    for (const listener of this.outputListeners) listener(item)
    for (const key of [taskId, '']) for (const subscription of this.outputSubscriptions.get(key) ?? []) subscription.offer(item)
  }

  listenOutput(listener: (item: TaskOutput) => void): () => void {
    this.outputListeners.add(listener)
    return () => this.outputListeners.delete(listener)
  }

  subscribeOutput(filter: TaskOutputFilter, onReadable: (subscription: HubSubscription<TaskOutput>) => void, capacity = DEFAULT_CAPACITY): HubSubscription<TaskOutput> {
    const key = filter.taskId ?? ''
    const subscription = new Subscription(capacity, onReadable, (s) => {
      const set = this.outputSubscriptions.get(key)
      set?.delete(s)
      if (set?.size === 0) this.outputSubscriptions.delete(key)
    })
    let set = this.outputSubscriptions.get(key)
    if (!set) this.outputSubscriptions.set(key, (set = new Set()))
    set.add(subscription)
    return subscription
  }

  /** Open subscriptions of both topics (a client that went away must leave none behind). */
  get subscriberCount(): number {
    let count = this.subscriptions.size
    for (const set of this.outputSubscriptions.values()) count += set.size
    return count
  }
}

function matches(filter: HubFilter, item: HubEvent): boolean {
  if (filter.serverId && filter.serverId !== item.serverId) return false
  if (filter.sessionId && filter.sessionId !== eventSessionId(item.event)) return false
  return true
}
