export interface Timers {
  setTimeout(callback: () => void, ms: number): unknown
  clearTimeout(handle: unknown): void
}

export interface WriteCadence {
  /** Writes at once when live, else within `delay` ms together with whatever else came meanwhile. */
  write(data: string, done: () => void): void
  /** 0: live (every write goes straight through). Going live flushes what is waiting. */
  setDelay(ms: number): void
  /** Drops what is waiting without writing it (the terminal is reset or going away); writes still work after. */
  discard(): void
}

/**
 * How often a pane's terminal takes output. Every write makes xterm render on the next frame;
 * sixteen busy panes rendering 60 times a second leave the page no time for anything else. A
 * pane the user is not in takes its output in batches a few times a second instead: it still
 * streams, at a fraction of the rendering. Callbacks keep their order and all run, so flow
 * control still sees every character parsed.
 */
export function createWriteCadence(write: (data: string, done: () => void) => void, timers: Timers = globalThis): WriteCadence {
  let delay = 0
  let pending: string[] = []
  let callbacks: Array<() => void> = []
  let timer: unknown

  function flush(): void {
    if (timer !== undefined) timers.clearTimeout(timer)
    timer = undefined
    if (pending.length === 0) return
    const data = pending.join('')
    const done = callbacks
    pending = []
    callbacks = []
    write(data, () => {
      for (const callback of done) callback()
    })
  }

  return {
    write(data, done) {
      if (delay === 0 && pending.length === 0) return write(data, done)
      pending.push(data)
      callbacks.push(done)
      if (delay === 0) flush()
      else if (timer === undefined) timer = timers.setTimeout(flush, delay)
    },
    setDelay(ms) {
      delay = Math.max(0, ms)
      if (delay === 0) flush()
    },
    discard() {
      if (timer !== undefined) timers.clearTimeout(timer)
      timer = undefined
      pending = []
      callbacks = []
    },
  }
}
