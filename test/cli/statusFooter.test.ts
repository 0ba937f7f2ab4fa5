import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { TaskView } from '../../core/contract/tasks'
import { displayWidth, eraseFooter, FooterWriter, renderFooter, truncate, type FooterState } from '../../core/host/cli/statusFooter'
import { footerState, runPrinter, type TerminalFacts } from '../../core/host/cli/runStatus'

const ESC = /[\u001b\u009b]/

function state(over: Partial<FooterState> = {}): FooterState {
  return {
    counts: { total: 20, done: 5, running: 3, queued: 11, failed: 1, cancelled: 0 },
    servers: [
      { name: 'local-1', state: 'busy', tasks: [{ id: 'tAAAA', title: 'fix the flaky test', state: 'running', since: 1_000 }] },
      { name: 'local-2', state: 'ready', tasks: [] },
      { name: 'ssh-box', state: 'busy', tasks: [{ id: 'tBBBB', title: 'add a README', state: 'dispatched', doing: 'preparing its worktree', since: 9_000 }] },
    ],
    elapsedMs: 72_000,
    cost: 0.0123,
    now: 13_000,
    ...over,
  }
}

describe('renderFooter', () => {
  it('shows the counts, elapsed, cost and each server’s current task', () => {
    const lines = renderFooter(state(), { width: 120, maxLines: 10, color: false })
    expect(lines[0]).toBe('■ 5/20 done · 3 running · 11 queued · 1 failed · 1 m 12 s · $0.0123')
    // Busy servers first; an idle one says so; a task still in its workspace step says that.
    expect(lines.slice(1)).toEqual([
      '  local-1  ▶ tAAAA fix the flaky test (12.0 s)',
      '  ssh-box  ⧗ tBBBB preparing its worktree · add a README (4.0 s)',
      '  local-2  idle',
    ])
    for (const line of lines) expect(line).not.toMatch(ESC)
  })

  it('shows a long step (starting servers) instead of the counts', () => {
    const [head] = renderFooter(state({ step: 'starting 3 servers: 1 ready', elapsedMs: 4_200 }), { width: 80, maxLines: 4, color: false })
    expect(head).toBe('■ starting 3 servers: 1 ready · 4.2 s')
  })

  it('fits every line into the width (minus the last column), keeping task id and age over the title', () => {
    const long = state({
      servers: [{ name: 'a-very-long-server-name-that-goes-on-and-on', state: 'busy', tasks: [{ id: 'tCCCC', title: 'x'.repeat(300), state: 'running', since: 0 }, { id: 'tDDDD', title: 'y', state: 'running' }] }],
    })
    for (const width of [20, 40, 57, 80]) {
      const lines = renderFooter(long, { width, maxLines: 5, color: false })
      for (const line of lines) expect(displayWidth(line)).toBeLessThanOrEqual(width - 1)
    }
    const line = renderFooter(long, { width: 80, maxLines: 5, color: false })[1]!
    expect(line).toContain('tCCCC')
    expect(line).toMatch(/… \(13\.0 s\) \+1$/)
  })

  it('counts wide characters as two columns', () => {
    const wide = state({ servers: [{ name: 's', state: 'busy', tasks: [{ id: 't1', title: '修复'.repeat(50), state: 'running' }] }] })
    for (const line of renderFooter(wide, { width: 40, maxLines: 3, color: false })) expect(displayWidth(line)).toBeLessThanOrEqual(39)
    expect(displayWidth('修复ab')).toBe(6)
    expect(truncate('修复修复', 5)).toBe('修复…')
  })

  it('never prints model text unsanitized: escapes, OSC and newlines in a title or name are gone', () => {
    const hostile = state({
      servers: [
        { name: 'evil\u001b]0;pwned\u0007name', state: 'busy', tasks: [{ id: 't1', title: 'clear \u001b[2J\u001b[H screen\nsecond line \u009b31m', state: 'running' }] },
      ],
    })
    const lines = renderFooter(hostile, { width: 100, maxLines: 4, color: false })
    for (const line of lines) {
      expect(line).not.toMatch(ESC)
      expect(line).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/)
    }
    expect(lines[1]).toContain('clear screen second line')
    expect(lines[1]).toContain('evilname')
  })

  it('colours only when asked; without colour, no control sequence at all', () => {
    expect(renderFooter(state(), { width: 100, maxLines: 5, color: true }).join('\n')).toMatch(ESC)
    expect(renderFooter(state(), { width: 100, maxLines: 5, color: false }).join('\n')).not.toMatch(ESC)
  })

  it('keeps to maxLines: the rest of the fleet is one "more" line, busy servers shown first', () => {
    const many = state({
      servers: Array.from({ length: 30 }, (_, i) => ({
        name: `local-${i + 1}`,
        state: i % 10 === 9 ? 'busy' : 'ready',
        tasks: i % 10 === 9 ? [{ id: `t${i}`, title: 'work', state: 'running' as const }] : [],
      })),
    })
    const lines = renderFooter(many, { width: 80, maxLines: 5, color: false })
    expect(lines).toHaveLength(5)
    expect(lines.slice(1, 4).map((l) => l.trim().split(/\s+/)[0])).toEqual(['local-10', 'local-20', 'local-30'])
    expect(lines[4]).toBe('  … 27 more servers (27 idle)')
    expect(renderFooter(many, { width: 80, maxLines: 1, color: false })).toHaveLength(1)
  })
})

describe('footerState', () => {
  const task = (id: string, over: Partial<TaskView>): TaskView =>
    ({ id, prompt: `prompt ${id}\nmore`, state: 'queued', target: { kind: 'any' }, priority: 0, maxAttempts: 1, attempts: [], createdAt: 0, ...over }) as TaskView
  it('counts the tasks, sums the cost, puts running tasks on their servers', () => {
    const tasks = new Map<string, TaskView>([
      ['a', task('a', { state: 'completed', result: { cost: 0.5 } as TaskView['result'] })],
      ['b', task('b', { state: 'running', serverId: 's1', attempts: [{ attempt: 1, serverId: 's1', startedAt: 100, outcome: 'running' }] as TaskView['attempts'] })],
      ['c', task('c', { state: 'dispatched', serverId: 's1', workspace: {} as TaskView['workspace'] })],
      ['g', task('g', { state: 'dispatched', serverId: 's2' })],
      ['d', task('d', { state: 'failed', result: { cost: 0.25 } as TaskView['result'] })],
      ['e', task('e', {})],
      ['f', task('f', { state: 'cancelled' })],
    ])
    const s = footerState({ tasks, serverNames: new Map([['s1', 'local-1'], ['s2', 'local-2']]), serverStates: new Map([['s1', 'busy']]), startedAt: 1_000 }, 5_000)
    expect(s.counts).toEqual({ total: 7, done: 1, running: 3, queued: 1, failed: 1, cancelled: 1 })
    expect(s.cost).toBe(0.75)
    expect(s.elapsedMs).toBe(4_000)
    expect(s.servers).toEqual([
      { name: 'local-1', state: 'busy', tasks: [{ id: 'b', title: 'prompt b', state: 'running', since: 100 }, { id: 'c', title: 'prompt c', state: 'dispatched', doing: 'preparing its worktree', since: undefined }] },
      { name: 'local-2', state: 'starting', tasks: [{ id: 'g', title: 'prompt g', state: 'dispatched', doing: 'opening its session', since: undefined }] },
    ])
  })
})

describe('FooterWriter', () => {
  beforeEach(() => {
    vi.useFakeTimers()
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  /** A fake terminal: what the writer wrote, in order, as one screen transcript. */
  function terminal() {
    const writes: Array<[string, string]> = []
    return {
      writes,
      sink: {
        out: (line: string) => void writes.push(['out', line + '\n']),
        err: (line: string) => void writes.push(['err', line + '\n']),
        control: (seq: string) => void writes.push(['control', seq]),
      },
      /** The screen as it ends up: lines, with the erase sequences applied. */
      screen(): string[] {
        const rows: string[] = ['']
        for (const [, text] of writes) {
          let i = 0
          while (i < text.length) {
            const m = /^\u001b\[(\d+)A\r\u001b\[J/.exec(text.slice(i))
            if (m) {
              rows.splice(rows.length - 1 - Number(m[1]), Infinity, '')
              i += m[0].length
              continue
            }
            if (text[i] === '\n') rows.push('')
            else rows[rows.length - 1] += text[i]
            i++
          }
        }
        return rows
      },
    }
  }

  it('puts lines above the footer, redraws it after each batch, clears it at the end', () => {
    const t = terminal()
    let n = 0
    const writer = new FooterWriter(t.sink, () => [`footer ${++n}`, 'second footer line'], { errOnTerminal: true, throttleMs: 100, now: () => Date.now() })
    writer.out('one')
    expect(t.screen()).toEqual(['one', 'footer 1', 'second footer line', ''])
    writer.out('two')
    writer.err('warn')
    writer.out('three')
    // Throttled: nothing more until the window ends, then one batch and one redraw.
    expect(t.screen()).toEqual(['one', 'footer 1', 'second footer line', ''])
    vi.advanceTimersByTime(100)
    expect(t.screen()).toEqual(['one', 'two', 'warn', 'three', 'footer 2', 'second footer line', ''])
    expect(t.writes.filter(([kind]) => kind === 'err')).toEqual([['err', 'warn\n']])
    writer.out('four')
    writer.close()
    expect(t.screen()).toEqual(['one', 'two', 'warn', 'three', 'four', ''])
    // After close, lines pass straight through with no footer.
    writer.out('after')
    vi.advanceTimersByTime(5_000)
    expect(t.screen()).toEqual(['one', 'two', 'warn', 'three', 'four', 'after', ''])
    expect(t.writes.at(-1)).toEqual(['out', 'after\n'])
  })

  it('ticks the clock while nothing is printed, and a refresh redraws', () => {
    const t = terminal()
    let n = 0
    const writer = new FooterWriter(t.sink, () => [`tick ${++n}`], { errOnTerminal: true, tickMs: 1_000, now: () => Date.now() })
    writer.refresh()
    expect(t.screen()).toEqual(['tick 1', ''])
    vi.advanceTimersByTime(1_000)
    expect(t.screen()).toEqual(['tick 2', ''])
    writer.close()
    expect(t.screen()).toEqual([''])
    vi.advanceTimersByTime(5_000)
    expect(t.screen()).toEqual([''])
  })

  it('passes stderr straight through when stderr is not the terminal (no erase on its account)', () => {
    const t = terminal()
    const writer = new FooterWriter(t.sink, () => ['f'], { errOnTerminal: false, now: () => Date.now() })
    writer.out('a')
    writer.err('to a file')
    expect(t.writes.at(-1)).toEqual(['err', 'to a file\n'])
    expect(t.screen().filter((l) => l === 'f')).toHaveLength(1)
    writer.close()
  })

  it('suspend takes the footer off for a question; resume brings it back', () => {
    const t = terminal()
    const writer = new FooterWriter(t.sink, () => ['f'], { errOnTerminal: true, now: () => Date.now() })
    writer.out('a')
    writer.suspend()
    expect(t.screen()).toEqual(['a', ''])
    writer.err('Accept the host key? ')
    vi.advanceTimersByTime(3_000)
    expect(t.screen()).toEqual(['a', 'Accept the host key? ', ''])
    writer.resume()
    expect(t.screen()).toEqual(['a', 'Accept the host key? ', 'f', ''])
    writer.close()
  })

  it('the erase is cursor-up over the footer and erase-below, nothing for no footer', () => {
    expect(eraseFooter(3)).toBe('\u001b[3A\r\u001b[J')
    expect(eraseFooter(0)).toBe('')
  })
})

describe('runPrinter', () => {
  const facts = (isTTY: boolean, control: (s: string) => void, term = 'xterm-256color'): TerminalFacts => ({ isTTY, errIsTTY: isTTY, columns: () => 80, rows: () => 24, control, term })
  const status = () => ({ tasks: new Map(), serverNames: new Map([['s', 'local-1']]), serverStates: new Map(), startedAt: Date.now() })

  it('without a terminal (or with TERM=dumb, or not wanted) prints the lines as they are: no footer, no control sequence', () => {
    for (const [tty, term, want] of [
      [false, 'xterm', true],
      [true, 'dumb', true],
      [true, 'xterm', false],
    ] as const) {
      const out: string[] = []
      const control = vi.fn()
      const printer = runPrinter({ out: (l) => out.push(l), err: (l) => out.push(l), color: false }, status, want, facts(tty, control, term))
      printer.out('a line')
      printer.refresh()
      printer.close()
      expect(printer.footer).toBe(false)
      expect(out).toEqual(['a line'])
      expect(control).not.toHaveBeenCalled()
    }
  })

  it('on a terminal draws the footer under the lines and erases it on close', () => {
    const out: string[] = []
    const control = vi.fn()
    const printer = runPrinter({ out: (l) => out.push(l), err: (l) => out.push(l), color: false }, status, true, facts(true, control))
    printer.out('a line')
    expect(printer.footer).toBe(true)
    expect(out[0]).toBe('a line')
    expect(out[1]).toMatch(/^■ 0\/0 done · 0 running · 0 queued · \d+ ms · \$0\n  local-1  starting$/)
    printer.close()
    expect(control).toHaveBeenLastCalledWith(eraseFooter(2))
  })
})
