import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AttentionItem } from '../../core/contract/attention'
import { LocalLauncher } from '../../core/launchers/local'
import type { RunningServer } from '../../core/launchers/types'
import { DropProxy } from '../support/dropProxy'
import { startHarness, type Harness } from '../support/harness'

// opencode sends a folder's events only to that folder's instance: a task in any folder but the
// server's own is seen through /global/event. A real server, attached by URL through a proxy
// that can cut its event stream, serving a second git repository besides its own.
let h: Harness
let direct: RunningServer
let proxy: DropProxy
let other: string

beforeAll(async () => {
  h = await startHarness(0, { demo: { permission: { bash: 'ask' } } })
  other = mkdtempSync(join(tmpdir(), 'flotilla-other-'))
  execFileSync('git', ['init', '-q'], { cwd: other })
  execFileSync('git', ['-c', 'user.email=test@flotilla.invalid', '-c', 'user.name=test', 'commit', '-q', '--allow-empty', '-m', 'init'], { cwd: other })
  direct = await new LocalLauncher().start(
    { kind: 'local', id: 'attached', name: 'attached', capacity: 2, directory: h.project, demo: true },
    { env: h.engine.demo!.envFor('attached') },
  )
  proxy = await DropProxy.start(direct.baseUrl)
  await h.engine.addServer({ kind: 'url', id: 'attached', name: 'attached', capacity: 2, baseUrl: proxy.url }, { password: direct.auth!.password, start: true })
}, 90_000)

afterAll(async () => {
  // The server before the harness: its opencode state lives in the demo folder h.close() removes.
  await direct?.stop()
  await proxy?.close()
  await h?.close()
  if (other) rmSync(other, { recursive: true, force: true })
})

function askedFor(taskId: string): Promise<AttentionItem> {
  return h.waitFor(`a permission request for ${taskId}`, () => h.engine.attention.list().find((a) => a.taskId === taskId))
}

describe('tasks in a folder other than the server’s own', () => {
  it('complete, and their tools run in that folder', async () => {
    const started = Date.now()
    const [task] = await h.submit([{ prompt: '@tool write {"filePath":"hello.txt","content":"hi from the other folder\\n"}\n@reply wrote it', directory: other }])
    const [done] = await h.waitTasks([task!.id], 30_000)
    expect(done!.state, done!.error).toBe('completed')
    expect(done!.result?.text).toBe('wrote it')
    expect(readFileSync(join(other, 'hello.txt'), 'utf8')).toBe('hi from the other folder\n')
    expect(existsSync(join(h.project, 'hello.txt'))).toBe(false)
    expect(Date.now() - started).toBeLessThan(25_000)
  }, 60_000)

  it('ask for permission there; the request survives an event-stream reconnect and its answer reaches that folder', async () => {
    const [task] = await h.submit([{ prompt: '@tool bash {"command":"echo hello > perm.txt && cat perm.txt","description":"write"}\n@reply done', directory: other }])
    const item = await askedFor(task!.id)
    expect(item).toMatchObject({ kind: 'permission', serverId: 'attached' })
    const resolved: string[] = []
    h.engine.attention.on('resolved', (id) => resolved.push(id))
    expect(proxy.dropStreams()).toBeGreaterThan(0)
    await h.waitFor('the stream to come back', () => proxy.openStreams > 0)
    // The resync after the reconnect asks the task's folder: asked without it, opencode says
    // nothing is pending, and the item would be dropped.
    await new Promise((r) => setTimeout(r, 1_500))
    expect(resolved).toEqual([])
    expect(h.engine.attention.list().map((a) => a.id)).toContain(item.id)
    const answered = await h.dispatcher.call('attention.answer', { id: item.id, answer: { kind: 'permission', reply: 'once' } })
    expect(answered).toEqual({ id: 0, result: { ok: true } })
    const [done] = await h.waitTasks([task!.id], 30_000)
    expect(done!.state, done!.error).toBe('completed')
    expect(readFileSync(join(other, 'perm.txt'), 'utf8')).toBe('hello\n')
  }, 90_000)

  it('fail within seconds, with opencode’s reason, when the folder does not exist on the server', async () => {
    const started = Date.now()
    const [task] = await h.submit([{ prompt: '@reply never runs', directory: join(other, 'no-such-folder') }])
    const [done] = await h.waitTasks([task!.id], 20_000)
    expect(done!.state).toBe('failed')
    expect(done!.error).toMatch(/no-such-folder/)
    expect(done!.error).toMatch(/NotFound|realPath|no such/i)
    expect(Date.now() - started).toBeLessThan(15_000)
    // The slot is free again: the next task runs.
    const [next] = await h.submit([{ prompt: '@reply still working', target: { kind: 'server', serverId: 'attached' } }])
    const [ok] = await h.waitTasks([next!.id], 30_000)
    expect(ok!.state, ok!.error).toBe('completed')
  }, 60_000)

  it('refuse "~" on a server attached by URL (whose home Flotilla does not know), at once', async () => {
    const [task] = await h.submit([{ prompt: '@reply never runs', directory: '~/project' }])
    const [done] = await h.waitTasks([task!.id], 10_000)
    expect(done!.state).toBe('failed')
    expect(done!.error).toContain('expected an absolute folder for attached')
    expect(done!.error).toContain('"~/project"')
  }, 30_000)
})
