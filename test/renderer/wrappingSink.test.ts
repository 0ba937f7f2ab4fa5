import { describe, expect, it } from 'vitest'
import { wrappingSink } from '../../renderer/src/terminal/paneFeed'

function fakes(cols: number) {
  const written: string[] = []
  let resize: ((size: { cols: number; rows: number }) => void) | undefined
  const timers = new Map<number, () => void>()
  let nextTimer = 0
  let resets = 0
  const flow = { push: (data: string, done?: () => void) => (written.push(data), done?.()), reset: () => written.push('<flow reset>') }
  const terminal = {
    size: () => ({ cols, rows: 24 }),
    reset: () => resets++,
    onResize: (h: typeof resize) => ((resize = h), () => (resize = undefined)),
  }
  const clock = { setTimeout: (cb: () => void) => (timers.set(++nextTimer, cb), nextTimer), clearTimeout: (id: unknown) => timers.delete(id as number) }
  return { written, flow, terminal, clock, resize: (c: number) => resize?.({ cols: c, rows: 24 }), fire: () => {
      const due = [...timers.values()]
      timers.clear()
      due.forEach((t) => t())
    }, resets: () => resets }
}

describe('an output pane wraps at word boundaries and re-wraps on resize (issue 12)', () => {
  it('writes the header first, then the stream wrapped to the width', () => {
    const f = fakes(20)
    const { sink } = wrappingSink(f.flow, f.terminal, () => '❯ prompt\n', f.clock)
    sink.push('one two three four five six\n')
    expect(f.written.join('')).toBe('❯ prompt\none two three four\nfive six\n')
  })

  it('a resize clears the terminal and writes everything again at the new width, once it settles', () => {
    const f = fakes(20)
    const { sink } = wrappingSink(f.flow, f.terminal, () => 'H\n', f.clock)
    sink.push('one two three four five six\n')
    f.written.length = 0
    f.resize(12)
    f.resize(10)
    expect(f.written).toEqual([])
    f.fire()
    expect(f.resets()).toBe(1)
    expect(f.written.join('')).toBe('<flow reset>H\none two\nthree four\nfive six\n')
  })

  it('a backlog redraw (reset) keeps the header and forgets the old text', () => {
    const f = fakes(40)
    const { sink } = wrappingSink(f.flow, f.terminal, () => 'H\n', f.clock)
    sink.push('old\n')
    f.written.length = 0
    sink.reset()
    sink.push('new\n')
    expect(f.written.join('')).toBe('<flow reset>H\nnew\n')
  })

  it('every push hands its completion to flow control', () => {
    const f = fakes(40)
    const { sink } = wrappingSink(f.flow, f.terminal, () => '', f.clock)
    let done = 0
    sink.push('x', () => done++)
    expect(done).toBe(1)
  })
})

describe('the kept text is bounded', () => {
  it('keeps about the last REWRAP_HISTORY_CHARS, cut at a line start, for the next re-wrap', async () => {
    const { REWRAP_HISTORY_CHARS } = await import('../../renderer/src/terminal/paneFeed')
    const f = fakes(200)
    const { sink } = wrappingSink(f.flow, f.terminal, () => '', f.clock)
    const line = 'x'.repeat(99) + '\n'
    for (let i = 0; i < (REWRAP_HISTORY_CHARS * 2) / line.length; i++) sink.push(i === 0 ? 'FIRST\n' : line)
    f.written.length = 0
    f.resize(100)
    f.fire()
    const redrawn = f.written.join('')
    expect(redrawn).not.toContain('FIRST')
    expect(redrawn.length).toBeLessThanOrEqual(REWRAP_HISTORY_CHARS * 1.25 + 100)
    expect(redrawn.length).toBeGreaterThan(REWRAP_HISTORY_CHARS * 0.9)
    expect(redrawn.replace('<flow reset>', '').startsWith('\x1b[0mxxx')).toBe(true)
  })
})
