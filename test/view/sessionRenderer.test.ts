import { describe, expect, it } from 'vitest'
import type { OcEvent, OcPart } from '../../core/contract/opencode'
import { stripAnsi } from '../../core/view/ansi'
import { SessionRenderer } from '../../core/view/sessionRenderer'
import { delta, message, partEvent, renderAll, S } from '../support/ocEvents'

const tool = (status: 'pending' | 'running' | 'completed' | 'error', time?: { start: number; end?: number }, extra: object = {}) =>
  partEvent({ id: 'prt_tool', type: 'tool', tool: 'bash', callID: 'call_1', state: { status, input: { command: 'ls -la' }, time, ...extra } })

const count = (haystack: string, needle: string) => haystack.split(needle).length - 1

describe('SessionRenderer', () => {
  it('prints streamed deltas, then only the rest of the full part: the text appears exactly once', () => {
    const r = new SessionRenderer()
    const out = renderAll(r, [message('msg_a', 'assistant'), delta('prt_1', 'Hello'), delta('prt_1', ', wor'), partEvent({ id: 'prt_1', text: 'Hello, world' })])
    expect(out).toBe('Hello, world')
    // The same full part again (opencode repeats it when the part ends) adds nothing.
    expect(r.render(partEvent({ id: 'prt_1', text: 'Hello, world' }))).toBe('')
  })

  it('prints nothing new when the same messages are replayed after a reconnect', () => {
    const r = new SessionRenderer()
    const history = [
      message('msg_u', 'user'),
      partEvent({ id: 'prt_u', messageID: 'msg_u', text: 'the prompt' }),
      message('msg_a', 'assistant'),
      partEvent({ id: 'prt_1', text: 'First answer.\n' }),
      tool('running', { start: 1_000 }),
      tool('completed', { start: 1_000, end: 3_500 }, { title: 'ls -la', output: 'a b' }),
      partEvent({ id: 'prt_2', text: 'Done.' }),
    ]
    const first = renderAll(r, history)
    expect(first).not.toContain('the prompt') // the user's own prompt is shown by the caller, not here
    expect(first).toContain('First answer.')
    expect(renderAll(r, history)).toBe('') // the replay
    // The replay may also carry a part that grew while we were away: only the new text prints.
    expect(renderAll(r, [...history.slice(0, -1), partEvent({ id: 'prt_2', text: 'Done. Really.' })])).toBe(' Really.')
  })

  it('prints a tool once when running and once when completed, with its duration', () => {
    const r = new SessionRenderer()
    const out = renderAll(r, [
      message('msg_a', 'assistant'),
      tool('pending'),
      tool('running', { start: 1_000 }),
      tool('running', { start: 1_000 }), // the same state again (metadata update)
      tool('completed', { start: 1_000, end: 3_500 }),
      tool('completed', { start: 1_000, end: 3_500 }),
      tool('running', { start: 1_000 }), // a stale update after the end (resync order): never go back
    ])
    expect(out).toBe('⚙ bash ls -la\n✓ bash ls -la 2.5 s\n')
  })

  it('shows the first lines of what a tool printed, under its status line, once', () => {
    const r = new SessionRenderer()
    const output = Array.from({ length: 12 }, (_, i) => `line ${i + 1}`).join('\n') + '\n'
    const out = renderAll(r, [
      message('msg_a', 'assistant'),
      tool('completed', { start: 1_000, end: 1_200 }, { output }),
      tool('completed', { start: 1_000, end: 1_200 }, { output }),
    ])
    const lines = out.split('\n')
    expect(lines[0]).toBe('✓ bash ls -la 200 ms')
    expect(lines.slice(1, 9)).toEqual(Array.from({ length: 8 }, (_, i) => `  │ line ${i + 1}`))
    expect(lines[9]).toBe('  │ … 4 more lines')
    expect(lines.slice(10)).toEqual([''])
  })

  it('prints a failed tool with its error and starts it on a fresh line after streamed text', () => {
    const r = new SessionRenderer()
    const out = renderAll(r, [message('msg_a', 'assistant'), delta('prt_1', 'Let me look'), tool('error', { start: 1_000, end: 1_040 }, { error: 'command not found' })])
    expect(out).toBe('Let me look\n✗ bash command not found 40 ms\n')
    expect(r.finish()).toBe('') // the line is already ended
  })

  it('announces a permission request once, however often it is seen', () => {
    const r = new SessionRenderer()
    const asked: OcEvent = { type: 'permission.asked', properties: { id: 'per_1', sessionID: S, permission: 'bash', patterns: ['rm -rf build'] } }
    const out = renderAll(r, [asked, asked, asked])
    expect(out).toBe('⚠ permission needed: bash\n  │ rm -rf build\n')
    expect(count(renderAll(r, [asked, { type: 'permission.replied', properties: { sessionID: S, requestID: 'per_1', reply: 'once' } }]), 'permission')).toBe(1)
  })

  it('prints session errors, and an abort as an abort', () => {
    const r = new SessionRenderer()
    const error: OcEvent = { type: 'session.error', properties: { sessionID: S, error: { name: 'ProviderAuthError', data: { message: 'bad key' } } } }
    expect(stripAnsi(r.render(error))).toBe('✗ error: ProviderAuthError: bad key\n')
    expect(stripAnsi(r.render({ type: 'session.error', properties: { sessionID: S } }))).toBe('✗ error: unknown\n')
    const aborted: OcEvent = { type: 'session.error', properties: { sessionID: S, error: { name: 'MessageAbortedError' } } }
    expect(stripAnsi(r.render(aborted))).toBe('■ aborted\n')
  })

  it('ends a dangling streamed line when the session finishes, and ignores events it does not show', () => {
    const r = new SessionRenderer()
    expect(renderAll(r, [message('msg_a', 'assistant'), delta('prt_1', 'no newline yet')])).toBe('no newline yet')
    expect(r.render({ type: 'session.idle', properties: { sessionID: S } })).toBe('')
    expect(r.render({ type: 'tui.toast.show', properties: { message: 'not for a pane' } })).toBe('')
    expect(r.finish()).toBe('\n')
    expect(r.finish()).toBe('')
  })

  it('shows the exact command a permission is for, whole and on its own lines, and what "Always" allows', () => {
    const r = new SessionRenderer()
    // The shape opencode 1.18.33 sends (measured): patterns are a parse of the command.
    const command = 'echo hello > perm.txt && cat perm.txt'
    const asked: OcEvent = {
      type: 'permission.asked',
      properties: { id: 'per_2', sessionID: S, permission: 'bash', patterns: ['echo hello > perm.txt', 'cat perm.txt'], metadata: { command }, always: ['echo *', 'cat *'] },
    }
    expect(renderAll(r, [asked])).toBe(`⚠ permission needed: bash\n  │ ${command}\n  "Always" allows from now on: "echo *", "cat *"\n`)
    // A long, multi-line command is neither flattened nor cut.
    const script = `cat <<'EOF' > x.sh\n${'x'.repeat(300)}\nEOF`
    const long: OcEvent = { type: 'permission.asked', properties: { id: 'per_3', sessionID: S, permission: 'bash', patterns: ['cat'], metadata: { command: script } } }
    expect(renderAll(r, [long])).toBe(`⚠ permission needed: bash\n${script.split('\n').map((l) => `  │ ${l}`).join('\n')}\n`)
  })

  describe('exit codes of shell tools (opencode puts them in state.metadata.exit)', () => {
    const ran = (exit: unknown) => tool('completed', { start: 1_000, end: 1_051 }, { title: 'exit 3', output: '(no output)', metadata: { output: '(no output)', exit, truncated: false } })

    it('a non-zero exit is shown with its code in red, not with the success mark', () => {
      const raw = new SessionRenderer().render(ran(3))
      expect(stripAnsi(raw).split('\n')[0]).toBe('✗ bash exit 3 (exit code 3) 51 ms')
      expect(raw).not.toContain('✓')
      expect(raw).toContain(`\x1b[31m✗ bash\x1b[39m`)
      expect(raw).toContain(`\x1b[31m(exit code 3)\x1b[39m`)
    })

    it('exit 0 is shown with its code in green and the success mark', () => {
      const raw = new SessionRenderer().render(ran(0))
      expect(stripAnsi(raw).split('\n')[0]).toBe('✓ bash exit 3 (exit code 0) 51 ms')
      expect(raw).toContain(`\x1b[32m(exit code 0)\x1b[39m`)
    })

    it('a tool without an exit code (or with one that is not an integer) keeps the plain success line', () => {
      expect(stripAnsi(new SessionRenderer().render(ran(undefined))).split('\n')[0]).toBe('✓ bash exit 3 51 ms')
      expect(stripAnsi(new SessionRenderer().render(ran('3'))).split('\n')[0]).toBe('✓ bash exit 3 51 ms')
    })
  })

  describe('text from the model or a tool reaches the output as text only', () => {
    const OSC52 = '\x1b]52;c;aGk=\x07'
    const CLEAR = '\x1b[2J\x1b[H'
    /** The raw output, colours of Flotilla's own removed: nothing else may remain. */
    const leftover = (raw: string) => stripAnsi(raw).match(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/g) ?? []

    it('in streamed text, also when a sequence is split across deltas', () => {
      const r = new SessionRenderer()
      const raw = [message('msg_a', 'assistant'), delta('prt_1', 'Hi \x1b]0;'), delta('prt_1', 'owned\x07there\x1b'), delta('prt_1', '[2J\x9b?1000h!'), partEvent({ id: 'prt_1', text: 'Hi \x1b]0;owned\x07there\x1b[2J\x9b?1000h! And more.' })]
        .map((e) => r.render(e))
        .join('')
      expect(leftover(raw)).toEqual([])
      expect(raw).toBe('Hi there! And more.')
    })

    it('in a snapshot of reasoning text', () => {
      const r = new SessionRenderer()
      const raw = [message('msg_a', 'assistant'), partEvent({ id: 'prt_r', type: 'reasoning', text: `think${OSC52}ing` })].map((e) => r.render(e)).join('')
      expect(leftover(raw)).toEqual([])
      expect(stripAnsi(raw)).toBe('thinking')
    })

    it('in a tool’s title, output and error', () => {
      const r = new SessionRenderer()
      const raw = [
        message('msg_a', 'assistant'),
        tool('completed', { start: 1_000, end: 1_200 }, { title: `ls${OSC52}`, output: `${OSC52}${CLEAR}plain text\r\nnext\x1b[?1049h` }),
        partEvent({ id: 'prt_t2', type: 'tool', tool: 'bash', callID: 'c2', state: { status: 'error', input: {}, error: `boom\x1b]2;title\x1b\\!` } }),
      ]
        .map((e) => r.render(e))
        .join('')
      expect(leftover(raw)).toEqual([])
      expect(stripAnsi(raw)).toBe('✓ bash ls 200 ms\n  │ plain text\n  │ next\n✗ bash boom!\n')
    })

    it('in permission and question requests and in errors', () => {
      const r = new SessionRenderer()
      const raw = [
        { type: 'permission.asked', properties: { id: 'per_9', sessionID: S, permission: 'bash', patterns: ['x'], metadata: { command: `printf '${OSC52}'\rls` }, always: [`x${CLEAR}*`] } },
        { type: 'question.asked', properties: { id: 'q_1', sessionID: S, questions: [{ question: `Pick${CLEAR}`, options: [{ label: `a${OSC52}` }] }] } },
        { type: 'session.error', properties: { sessionID: S, error: { name: `Err${OSC52}`, data: { message: `bad${CLEAR}` } } } },
        message('msg_e', 'assistant', { error: { name: 'APIError', data: { message: `nope${OSC52}` } } }),
      ]
        .map((e) => r.render(e as OcEvent))
        .join('')
      expect(leftover(raw)).toEqual([])
      expect(stripAnsi(raw)).toBe([
        '⚠ permission needed: bash',
        "  │ printf ''",
        '  │ ls',
        '  "Always" allows from now on: "x*"',
        '? question: Pick [a]',
        '✗ error: Err: bad',
        '✗ APIError: nope',
        '',
      ].join('\n'))
    })
  })
})
