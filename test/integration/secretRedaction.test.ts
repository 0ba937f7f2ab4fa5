import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { stripAnsi } from '../../core/view/ansi'
import { REDACTED } from '../../core/view/redact'
import { startHarness, type Harness } from '../support/harness'

// A model (or a tool) that prints the server's own password, as on a server without our
// secret-guard plugin: the password must reach nothing Flotilla shows or stores.
let h: Harness
let dir: string
let journalPath: string

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'flotilla-redact-'))
  journalPath = join(dir, 'tasks.jsonl')
  h = await startHarness(1, { journalPath })
}, 90_000)

afterAll(async () => {
  await h?.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('the password of a server', () => {
  it('is redacted from task output, results, errors, pushes, event panes and the journal, also when streamed in pieces', async () => {
    const password = h.engine.fleet.get('local-1').instance?.auth?.password
    if (!password) throw new Error('expected the server Flotilla started to have a password')
    // A failing assertion shows the texts with the password hidden: secrets are never logged, not even a test server's.
    const hide = (text: string | undefined) => text?.split(password).join('<the password>')
    await h.client['events.subscribe']({ stream: { kind: 'server', serverId: 'local-1' } })

    const [whole, split, failed] = await h.submit([
      { prompt: `@reply The password is ${password} indeed` },
      // Pieces of 5 characters: the password arrives split across several deltas.
      { prompt: `@chunk 5\n@rate 50\n@reply split ${password} end` },
      // opencode's error names the folder it could not open.
      { prompt: '@reply never', directory: `/nonexistent/${password}` },
    ])
    const done = await h.waitTasks([whole!.id, split!.id, failed!.id])
    await new Promise((r) => setTimeout(r, 200)) // the event pane's last frame

    expect(done.map((t) => t.state)).toEqual(['completed', 'completed', 'failed'])
    expect(hide(done[0]!.result?.text)).toBe(`The password is ${REDACTED} indeed`)
    expect(hide(done[1]!.result?.text)).toBe(`split ${REDACTED} end`)
    expect(hide(done[2]!.error)).toContain(REDACTED)
    expect(hide(stripAnsi(h.engine.outputs.get(whole!.id)))).toContain(`The password is ${REDACTED} indeed`)
    expect(hide(stripAnsi(h.engine.outputs.get(split!.id)))).toContain(`split ${REDACTED} end`)
    const panes = h.pushes.filter((p) => p.event === 'events.data').map((p) => JSON.stringify(p.payload)).join('')
    expect(hide(panes)).toContain(REDACTED)

    // The prompt and the folder are the user's own input (here they carry the password on purpose) and are kept as given.
    const shown = {
      output: done.map((t) => h.engine.outputs.get(t.id)).join('\n'),
      tasks: JSON.stringify(h.engine.scheduler.list().map(withoutUserInput)),
      pushes: JSON.stringify(h.pushes.map((p) => (p.event === 'task.updated' ? withoutUserInput(p.payload) : p))),
      journal: JSON.stringify(readFileSync(journalPath, 'utf8').trim().split('\n').map((line) => withoutUserInput(JSON.parse(line).task))),
    }
    for (const [where, text] of Object.entries(shown)) expect(text.includes(password), `the password is in the ${where}`).toBe(false)
  }, 90_000)
})

function withoutUserInput(task: unknown): unknown {
  if (typeof task !== 'object' || task === null) return task
  const { prompt: _prompt, directory: _directory, title: _title, ...rest } = { prompt: undefined, directory: undefined, title: undefined, ...task }
  return rest
}
