import { FlotillaError } from '../../lib/errors'
import { includeLine } from '../../launchers/weztermDomains'
import type { Engine } from '../engine'
import type { Handlers } from './types'

type Methods = 'wezterm.domains.list' | 'wezterm.domains.add' | 'wezterm.domains.remove'

export function weztermHandlers(engine: Engine): Handlers<Methods> {
  const file = engine.weztermDomains
  const view = (domains = file.list()) => ({ file: file.file, includeLine: includeLine(file.file), domains })
  // A file we did not write, or a name we do not manage, is the caller's mistake, said plainly.
  const refuse = (error: unknown): never => {
    throw new FlotillaError(error instanceof Error ? error.message : String(error), 'bad_request')
  }
  return {
    'wezterm.domains.list': () => {
      try {
        return view()
      } catch (error) {
        return refuse(error)
      }
    },
    'wezterm.domains.add': ({ domain }) => {
      try {
        return view(file.add(domain))
      } catch (error) {
        return refuse(error)
      }
    },
    'wezterm.domains.remove': ({ name }) => {
      try {
        return view(file.remove(name))
      } catch (error) {
        return refuse(error)
      }
    },
  }
}
