import { describe, expect, it } from 'vitest'
import { stripAnsi } from '../../core/view/ansi'
import { attemptMarker, promptHeader, queuePosition, taskTitle } from '../../core/view/taskPane'

const task = (id: string, over: Partial<{ state: string; priority: number; createdAt: number; attempts: Array<{ endedAt?: number }> }> = {}) => ({
  id,
  state: 'queued',
  priority: 0,
  createdAt: 100,
  attempts: [],
  ...over,
})

describe('task pane text', () => {
  it('a task is called by its title, else its prompt’s first line (skipping demo directives), never its id', () => {
    expect(taskTitle({ id: 't1', title: 'Fix the login', prompt: 'x' })).toBe('Fix the login')
    expect(taskTitle({ id: 't1', prompt: '\n  Add tests for wrap\nmore' })).toBe('Add tests for wrap')
    expect(taskTitle({ id: 't1', prompt: '@rate 20\n@reply hi' })).toBe('@rate 20')
    expect(taskTitle({ id: 't1', prompt: '@rate 20\nWrite the docs' })).toBe('Write the docs')
    expect(taskTitle({ id: 't1', prompt: 'evil \x1b]0;title\x07 text' })).toBe('evil text')
  })

  it('the prompt header is the prompt made safe, then a rule', () => {
    const header = promptHeader('do \x1b[2Jthis\nand that')
    expect(header).not.toContain('\x1b[2J')
    expect(stripAnsi(header)).toBe('❯ do this\n  and that\n' + '─'.repeat(24) + '\n')
    const long = promptHeader(Array.from({ length: 20 }, (_, i) => `l${i}`).join('\n'))
    expect(stripAnsi(long)).toContain('… 8 more lines')
  })

  it('an attempt marker says which attempt, where, and how the last one ended', () => {
    const marker = stripAnsi(attemptMarker(2, 3, 'local-2', { outcome: 'server-lost', error: 'exited (code 137)' }))
    expect(marker).toBe('━━ attempt 2 of 3 on local-2 · attempt 1 lost its server: exited (code 137) ━━\n')
  })

  it('queue position: priority first, then the order tasks joined the queue', () => {
    const tasks = [task('a'), task('b'), task('c', { priority: 5, createdAt: 300 }), task('d', { state: 'running' }), task('e', { createdAt: 50, attempts: [{ endedAt: 400 }] })]
    expect(queuePosition(tasks, 'c')).toBe(0)
    expect(queuePosition(tasks, 'a')).toBe(1)
    expect(queuePosition(tasks, 'b')).toBe(2)
    // Re-queued after its attempt ended at 400: behind a and b though created first.
    expect(queuePosition(tasks, 'e')).toBe(3)
    expect(queuePosition(tasks, 'd')).toBeUndefined()
    expect(queuePosition(tasks, 'nope')).toBeUndefined()
  })
})
