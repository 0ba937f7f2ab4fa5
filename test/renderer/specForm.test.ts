import { describe, expect, it } from 'vitest'
import { formError, initialValues, suggestedName, validateForm } from '../../renderer/src/servers/specForm'

const servers = [{ id: 'local-1', name: 'local-1' }, { id: 'local-2', name: 'Builder' }]
const context = { servers, projectDir: '/work/project', demo: true }

describe('add-server form: plain words on the right field', () => {
  it('an empty submit asks for a name (suggesting a free one) and a folder, never flags the optional id', () => {
    const errors = validateForm('local', {}, { servers })
    expect(errors).toEqual({ name: 'Give the server a name (for example local-3).', directory: 'Directory is required.' })
    expect(JSON.stringify(errors)).not.toMatch(/Invalid input|servers\.add|spec\./)
  })

  it('suggests the first <kind>-N that is neither a name nor an id', () => {
    expect(suggestedName('local', servers)).toBe('local-3')
    expect(suggestedName('local', [{ id: 'x', name: 'local-1' }, { id: 'local-2', name: 'y' }])).toBe('local-3')
    expect(suggestedName('url', servers)).toBe('url-1')
  })

  it('prefills the host’s project folder and the scripted model under --demo', () => {
    expect(initialValues('local', context)).toEqual({ directory: '/work/project', demo: true })
    expect(initialValues('tmux', context)).toEqual({ directory: '/work/project', demo: true })
    expect(initialValues('url', context)).toEqual({})
    expect(initialValues('local', {})).toEqual({})
    expect(validateForm('local', { name: 'fresh', ...initialValues('local', context) }, context)).toEqual({})
  })

  it('a URL with port 99999 says the port does not exist, not "expected an http(s) URL"', () => {
    expect(validateForm('url', { name: 'r', baseUrl: 'http://127.0.0.1:99999' }, context).baseUrl).toBe('The port 99999 does not exist: use one from 1 to 65535.')
    expect(validateForm('url', { name: 'r', baseUrl: 'http://127.0.0.1:0' }, context).baseUrl).toMatch(/port 0 does not exist/)
    expect(validateForm('url', { name: 'r', baseUrl: 'ftp://box' }, context).baseUrl).toBe('Enter an http:// or https:// address, for example http://127.0.0.1:4096.')
    expect(validateForm('url', { name: 'r', baseUrl: 'http://box:4096' }, context)).toEqual({})
    expect(validateForm('url', { name: 'r' }, context).baseUrl).toBe('Base URL is required.')
  })

  it('refuses a name or id that exists, on the field the user wrote', () => {
    expect(validateForm('local', { name: 'builder', directory: '/p' }, context).name).toBe('A server named “builder” exists: choose another name.')
    // "Local 1" is a new name, but its id would be local-1's.
    expect(validateForm('local', { name: 'Local 1', directory: '/p' }, context).name).toBe('The id “local-1” is taken by the server “local-1”: choose another name.')
    expect(validateForm('local', { name: 'new', id: 'local-2', directory: '/p' }, context)).toEqual({ id: 'The id “local-2” is taken by the server “Builder”: choose another id.' })
  })

  it('says what a number, a path and an id must be', () => {
    expect(validateForm('ssh', { name: 's', host: 'box', remoteDirectory: '~', port: '99999' }, context)).toEqual({ port: 'Port must be at most 65535.' })
    expect(validateForm('ssh', { name: 's', host: 'box', remoteDirectory: '~', port: 'x' }, context).port).toBe('Port must be a whole number.')
    expect(validateForm('local', { name: 's', directory: 'relative/dir', capacity: '0' }, context)).toEqual({ directory: 'Directory must be a full path, starting with /.', capacity: 'Capacity must be at least 1.' })
    expect(validateForm('local', { name: 's', id: '-bad', directory: '/p' }, context).id).toMatch(/^Id: use 1 to 64 letters, digits/)
    expect(validateForm('local', { name: '!!!', directory: '/p' }, context).name).toMatch(/at least one letter or digit/)
  })

  it('puts the engine’s refusal on its field without the internal prefix', () => {
    expect(formError('servers.add: spec.directory: the directory /x does not exist', 'local')).toEqual({ field: 'directory', text: 'the directory /x does not exist' })
    expect(formError('servers.add: spec.id: Invalid input: expected string, received undefined', 'local')).toEqual({ field: 'id', text: 'Id is required.' })
    expect(formError('expected a new server id, got "a" which exists', 'local')).toEqual({ field: 'id', text: 'The id “a” is taken by another server: choose another name or id.' })
    expect(formError('servers of kind "tmux" cannot be started yet', 'tmux')).toEqual({ text: 'servers of kind "tmux" cannot be started yet' })
  })
})
