import { describe, expect, it } from 'vitest'
import type { TaskView } from '../../core/contract/tasks'
import { ansi } from '../../core/view/ansi'
import { PrepareSteps } from '../../core/host/cli/prepareSteps'
import { footerState } from '../../core/host/cli/runStatus'
import { displayWidth, renderFooter } from '../../core/host/cli/statusFooter'

// What the footer says a dispatched task is doing before its agent works: shipping the repo to
// an SSH machine, its worktree, its --setup (with the setup's latest line), or its session.
const plan = (setup?: string) => ({ repo: '/r', subdir: '', baseRef: 'HEAD', baseCommit: 'c', baseSha: 'c', dirtySnapshot: false, copy: [], ...(setup ? { setup } : {}) })
const task = (over: Partial<TaskView> = {}): TaskView =>
  ({ id: 't1', prompt: 'fix it', state: 'dispatched', serverId: 's1', target: { kind: 'any' }, priority: 0, maxAttempts: 2, createdAt: 0, attempts: [{ attempt: 1, serverId: 's1', startedAt: 1_000, outcome: 'running' }], ...over }) as TaskView
/** A setup output line as the runner writes it into the task's output. */
const setupLine = (line: string) => `${ansi.dim('  │')} ${line}\n`

describe('PrepareSteps', () => {
  it('names the step from the task and its server: shipping over SSH, worktree and setup here, a session otherwise', () => {
    const steps = new PrepareSteps()
    expect(steps.doing(task({ workspace: plan() }), 'ssh', 'build-box')).toBe('shipping repo to build-box')
    expect(steps.doing(task({ workspace: plan('npm ci') }), 'ssh', 'build-box')).toBe('shipping repo to build-box + setup: npm ci')
    expect(steps.doing(task({ workspace: plan('npm ci') }), 'local', 'local-1')).toBe('worktree + setup: npm ci')
    expect(steps.doing(task({ workspace: plan() }), 'local', 'local-1')).toBe('preparing its worktree')
    // A URL server shares its folder: no worktree is made there.
    expect(steps.doing(task({ workspace: plan('npm ci') }), 'url', 'h:1')).toBe('opening its session')
    expect(steps.doing(task(), 'local', 'local-1')).toBe('opening its session')
  })

  it('once setup prints, shows its latest line; a new attempt starts over; other output is not setup', () => {
    const steps = new PrepareSteps()
    const t = task({ workspace: plan('npm ci') })
    steps.noteOutput(t, ansi.dim('$ npm ci') + '\n')
    expect(steps.doing(t, 'local', 'local-1')).toBe('worktree + setup: npm ci')
    steps.noteOutput(t, setupLine('added 10 packages') + setupLine('audited 12 packages') + setupLine('   '))
    expect(steps.doing(t, 'local', 'local-1')).toBe('setup: npm ci › audited 12 packages')
    // A running task's "  │" lines are a tool's output, not setup's.
    steps.noteOutput({ ...t, state: 'running' }, setupLine('tool says'))
    expect(steps.doing(t, 'local', 'local-1')).toBe('setup: npm ci › audited 12 packages')
    const retry = { ...t, attempts: [...t.attempts, { attempt: 2, serverId: 's1', startedAt: 5_000, outcome: 'running' }] } as TaskView
    expect(steps.doing(retry, 'local', 'local-1')).toBe('worktree + setup: npm ci')
    steps.forget(t.id)
    expect(steps.doing(t, 'local', 'local-1')).toBe('worktree + setup: npm ci')
  })

  it('in the footer: the step with the task’s age, within the width, untrusted setup output made safe', () => {
    const prepare = new PrepareSteps()
    const t = task({ workspace: plan('npm ci') })
    prepare.noteOutput(t, setupLine('evil \u001b]0;title\u0007done \u009b2J'))
    const status = { tasks: new Map([['t1', t]]), serverNames: new Map([['s1', 'local-1'], ['s2', 'build-box']]), serverStates: new Map([['s1', 'busy']]), serverKinds: new Map([['s1', 'local']]), serverNotes: new Map([['s2', 'installing opencode-ai 1.18.33…']]), prepare, startedAt: 0 }
    const lines = renderFooter(footerState(status, 13_000), { width: 80, maxLines: 4, color: false })
    expect(lines[1]).toBe('  local-1    ⧗ t1 setup: npm ci › evil done · fix it (12.0 s)')
    // A server still starting says what its launcher printed last.
    expect(lines[2]).toBe('  build-box  starting · installing opencode-ai 1.18.33…')
    for (const line of lines) expect(line).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/)
    // Narrow: the title goes first, then the step is cut; the id and the age stay.
    for (const width of [40, 55]) {
      const [, row] = renderFooter(footerState(status, 13_000), { width, maxLines: 4, color: false })
      expect(displayWidth(row!)).toBeLessThanOrEqual(width - 1)
      expect(row).toMatch(/⧗ t1 setup: .*\(12\.0 s\)$/)
      expect(row).not.toContain('fix it')
    }
  })
})
