import { Settings } from '../../contract/settings'
import type { Engine } from '../engine'
import type { Handlers } from './types'

export function settingsHandlers(engine: Engine): Handlers<'settings.get' | 'settings.update'> {
  return {
    'settings.get': () => engine.settings?.get() ?? Settings.parse({ strategy: engine.scheduler.strategy }),
    'settings.update': ({ patch }) => {
      const next = engine.settings ? engine.settings.update(patch) : Settings.parse({ ...patch })
      if (patch.strategy) engine.scheduler.strategy = patch.strategy
      return next
    },
  }
}
