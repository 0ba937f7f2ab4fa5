import { afterEach, describe, expect, it, vi } from 'vitest'
import { requireUnderCi } from './requireUnderCi'

// The guard itself: under CI a missing tool fails the file; elsewhere the tests skip, saying why.
describe('requireUnderCi', () => {
  afterEach(() => {
    vi.unstubAllEnvs()
    vi.restoreAllMocks()
  })

  it('throws under CI=true, naming the problem and the tests it would have skipped', () => {
    vi.stubEnv('CI', 'true')
    expect(() => requireUnderCi('the tmux tests', 'tmux is missing: install it')).toThrow('tmux is missing: install it (CI must not skip the tmux tests)')
  })

  it('outside CI only warns; without a problem it does nothing', () => {
    vi.stubEnv('CI', '')
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    expect(() => requireUnderCi('the tmux tests', 'tmux is missing: install it')).not.toThrow()
    expect(warn).toHaveBeenCalledWith('skipping the tmux tests: tmux is missing: install it (under CI=true this fails)')
    vi.stubEnv('CI', 'true')
    expect(() => requireUnderCi('the tmux tests', false)).not.toThrow()
    expect(() => requireUnderCi('the tmux tests', undefined)).not.toThrow()
  })
})
