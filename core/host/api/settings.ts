import type { Engine } from '../engine'
import { currentSettings, updateSettings } from '../settingsOwner'
import type { Handlers } from './types'

export function settingsHandlers(engine: Engine): Handlers<'settings.get' | 'settings.update'> {
  return {
    'settings.get': () => currentSettings(engine),
    'settings.update': ({ patch }) => updateSettings(engine, patch),
  }
}
