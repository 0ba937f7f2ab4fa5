import { FlotillaError } from '../../lib/errors'
import { includeLine } from '../../launchers/weztermDomains'
import type { Engine } from '../engine'
import type { Handlers } from './types'

type Methods = 'wezterm.domains.list' | 'wezterm.domains.add' | 'wezterm.domains.remove'

export function weztermHandlers(engine: Engine): Handlers<Methods> {
  const file = engine.weztermDomains
  /** The file's domains after `change`; a file we did not write, or a name we do not manage, is the caller's mistake, said plainly. */
  const answer = (change: () => ReturnType<typeof file.list>) => {
    try {
      return { file: file.file, includeLine: includeLine(file.file), domains: change() }
    } catch (error) {
      throw new FlotillaError(error instanceof Error ? error.message : String(error), 'bad_request')
    }
  }
  return {
    'wezterm.domains.list': () => answer(() => file.list()),
    'wezterm.domains.add': ({ domain }) => answer(() => file.add(domain)),
    'wezterm.domains.remove': ({ name }) => answer(() => file.remove(name)),
  }
}
