import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AttentionItem } from '../../core/contract/attention'
import { AttentionInbox } from '../../core/fleet/attention'
import { stripAnsi } from '../../core/view/ansi'
import { startHarness, type Harness } from '../support/harness'

// A real opencode server with "permission": {"bash": "ask"}: what the user is asked to approve
// must be the command that then runs, verbatim.
let h: Harness

beforeAll(async () => {
  h = await startHarness(1, { demo: { permission: { bash: 'ask' } } })
}, 90_000)

afterAll(async () => {
  await h?.close()
})

describe('a permission request for a compound bash command', () => {
  it('carries the exact command and what "Always" would allow, in the inbox and in the task’s output', async () => {
    const command = 'echo hello > perm.txt && cat perm.txt'
    const [task] = await h.submit([{ prompt: `@tool bash ${JSON.stringify({ command, description: 'write and read' })}\n@reply done` }])
    const item = await h.waitFor('the permission request', () => h.engine.attention.list().find((a) => a.taskId === task!.id))

    expect(item).toMatchObject({ kind: 'permission', permission: 'bash', command, always: ['echo *', 'cat *'] })
    expect(item.title).toBe(`bash: ${command}`)
    // Clients get the same item.
    const pushed = h.pushes.find((p) => p.event === 'attention.added' && (p.payload as AttentionItem).id === item.id)?.payload as AttentionItem
    expect(pushed).toMatchObject({ command, always: ['echo *', 'cat *'] })
    // The pane shows the command whole, not its patterns joined into another command.
    const pane = stripAnsi(h.engine.outputs.get(task!.id))
    expect(pane).toContain(`  │ ${command}\n`)
    expect(pane).toContain('"Always" allows from now on: "echo *", "cat *"')
    expect(pane).not.toContain('echo hello > perm.txt cat perm.txt')

    await h.dispatcher.call('attention.answer', { id: item.id, answer: { kind: 'permission', reply: 'once' } })
    const [done] = await h.waitTasks([task!.id])
    expect(done!.state).toBe('completed')
    expect(stripAnsi(h.engine.outputs.get(task!.id))).toContain('│ hello')
  }, 90_000)

  it('read back from the server (as after a reconnect), the item is the same', async () => {
    const command = 'printf "a b" | wc -c; ls'
    const [task] = await h.submit([{ prompt: `@tool bash ${JSON.stringify({ command, description: 'count' })}\n@reply done` }])
    const item = await h.waitFor('the permission request', () => h.engine.attention.list().find((a) => a.taskId === task!.id))
    // A fresh inbox knows nothing: all it holds comes from the server's GET /permission.
    const fresh = new AttentionInbox(h.engine.fleet, () => undefined)
    await fresh.resync(h.engine.fleet.get('local-1'))
    expect(fresh.list().find((a) => a.id === item.id)).toMatchObject({ command, always: item.always })
    expect(item.always).toEqual(expect.arrayContaining(['ls *']))
    await h.dispatcher.call('tasks.cancel', { id: task!.id })
    await h.waitTasks([task!.id])
  }, 90_000)
})
