import { describe, expect, it } from 'vitest'
import { defaultReply, errorReply, parseScript, tokenize, turnAt } from '../../core/demo/script'

describe('parseScript', () => {
  it('gives the default reply when there is no directive', () => {
    const s = parseScript('  Fix the failing test in src/app.ts  ')
    expect(s.scripted).toBe(false)
    expect(s.errors).toEqual([])
    expect(s.text).toBe('Fix the failing test in src/app.ts')
    expect(s.turns).toEqual([{ delayMs: 0, reply: 'Done: Fix the failing test in src/app.ts' }])
  })

  it('cuts the default reply to the first 80 characters of the prompt text', () => {
    const long = 'x'.repeat(100)
    expect(parseScript(long).turns[0].reply).toBe(`Done: ${'x'.repeat(80)}`)
    expect(defaultReply('')).toBe('Done.')
  })

  it('joins repeated @reply lines (each trimmed) with newlines and keeps other text out of the reply', () => {
    const s = parseScript('Say hi.\n@reply Hello\n@reply   world  \nmore text')
    expect(s.text).toBe('Say hi.\nmore text')
    expect(s.turns).toHaveLength(1)
    expect(s.turns[0].reply).toBe('Hello\nworld')
  })

  it('reads @rate as a script-wide setting where the last one wins', () => {
    expect(parseScript('@rate 5\n@reply a\n@rate 20').rate).toBe(20)
    expect(parseScript('@reply a').rate).toBeUndefined()
  })

  it('cuts turns after each @tool and gives the last turn the default reply', () => {
    const s = parseScript(
      [
        'Make files.',
        '@delay 30',
        '@reply Writing first.',
        '@tool write {"filePath":"a.txt","content":"x"}',
        '@delay 10',
        '@delay 5',
        '@tool bash {"command":"echo hi > out.txt","description":"write file"}',
      ].join('\n'),
    )
    expect(s.errors).toEqual([])
    expect(s.turns).toEqual([
      { delayMs: 30, reply: 'Writing first.', tool: { name: 'write', args: { filePath: 'a.txt', content: 'x' } } },
      { delayMs: 15, tool: { name: 'bash', args: { command: 'echo hi > out.txt', description: 'write file' } } },
      { delayMs: 0, reply: 'Done: Make files.' },
    ])
  })

  it('puts @fail on the turn it belongs to, with an optional count', () => {
    const s = parseScript('@fail 500\n@tool bash {"command":"true","description":"x"}\n@fail 429 2\n@reply ok')
    expect(s.turns[0].fail).toEqual({ status: 500 })
    expect(s.turns[1].fail).toEqual({ status: 429, times: 2 })
    expect(s.turns[1].reply).toBe('ok')
  })

  it('treats only the five directive names as directives', () => {
    const s = parseScript('@general look at this\n@src/index.ts\n @reply indented is text')
    expect(s.scripted).toBe(false)
    expect(s.errors).toEqual([])
    expect(s.text).toBe('@general look at this\n@src/index.ts\n @reply indented is text')
  })

  it('reports malformed directives with their line numbers', () => {
    const s = parseScript(
      ['ok', '@rate fast', '@delay -1', '@fail 200', '@fail 500 0', '@tool bash {not json}', '@tool write [1]', '@tool'].join('\n'),
    )
    expect(s.errors).toHaveLength(7)
    expect(s.errors[0]).toMatch(/^line 2: @rate/)
    expect(s.errors[1]).toMatch(/^line 3: @delay/)
    expect(s.errors[2]).toMatch(/^line 4: @fail/)
    expect(s.errors[3]).toMatch(/^line 5: @fail count/)
    expect(s.errors[4]).toMatch(/^line 6: @tool bash: arguments are not valid JSON/)
    expect(s.errors[5]).toMatch(/^line 7: @tool write: arguments must be a JSON object/)
    expect(s.errors[6]).toMatch(/^line 8: @tool needs a tool name/)
    expect(errorReply(s)).toContain('- line 2: @rate needs a positive number')
  })

  it('accepts a @tool without arguments as an empty object and handles CRLF', () => {
    const s = parseScript('@tool todoread\r\n@reply end\r\n')
    expect(s.turns[0].tool).toEqual({ name: 'todoread', args: {} })
    expect(s.turns[1].reply).toBe('end')
  })
})

describe('turnAt', () => {
  const s = parseScript('@tool bash {"command":"a"}\n@tool bash {"command":"b"}\n@reply end')

  it('maps the number of tool results to the turn', () => {
    expect(turnAt(s, 0).turn.tool?.args).toEqual({ command: 'a' })
    expect(turnAt(s, 1).turn.tool?.args).toEqual({ command: 'b' })
    expect(turnAt(s, 2)).toEqual({ index: 2, turn: { delayMs: 0, reply: 'end' } })
  })

  it('repeats the last (tool-free) turn past the end so the agent loop stops', () => {
    expect(turnAt(s, 7).index).toBe(2)
    expect(turnAt(s, 7).turn.tool).toBeUndefined()
  })
})

describe('tokenize', () => {
  it('splits into word chunks that join back to the exact text', () => {
    const text = 'Hello  world,\nhow are you? '
    const tokens = tokenize(text)
    expect(tokens).toEqual(['Hello', '  world,', '\nhow', ' are', ' you?', ' '])
    expect(tokens.join('')).toBe(text)
    expect(tokenize('')).toEqual([])
  })
})
