import { Settings, type SettingsPatch } from '../contract/settings'
import { applyPatch } from '../store/settingsStore'
import type { Engine } from './engine'

/** The settings as they are now; without a settings file (a CLI run), the defaults with the scheduler's strategy. */
export function currentSettings(engine: Engine): Settings {
  return engine.settings?.get() ?? Settings.parse({ strategy: engine.scheduler.strategy })
}

/**
 * The one place settings change (settings.update and scheduler.setStrategy both come here):
 * saved first, so a refused write changes nothing; then applied to the scheduler, which binds
 * queued work under the new strategy; then pushed, so every client shows the same.
 */
export function updateSettings(engine: Engine, patch: SettingsPatch): Settings {
  const before = JSON.stringify(currentSettings(engine))
  const next = engine.settings ? engine.settings.update(patch) : Settings.parse(applyPatch(currentSettings(engine), patch))
  if (patch.strategy) {
    engine.scheduler.strategy = patch.strategy
    engine.scheduler.pump()
  }
  const now = currentSettings(engine)
  // Announced only when what settings.get answers changed (without a settings file only the strategy is kept).
  if (JSON.stringify(now) !== before) engine.push('settings.updated', now)
  return next
}
