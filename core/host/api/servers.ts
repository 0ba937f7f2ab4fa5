import type { ServerView } from '../../contract/servers'
import { FlotillaError } from '../../lib/errors'
import { localDirectoryProblem } from '../../launchers/localDirectory'
import { redact } from '../../view/redact'
import type { Engine } from '../engine'
import { redactedServerView } from '../redactedPush'
import type { Handlers } from './types'

type ServerMethods = 'servers.list' | 'servers.add' | 'servers.remove' | 'servers.start' | 'servers.stop' | 'servers.restart'

export function serverHandlers(engine: Engine): Handlers<ServerMethods> {
  // Answers carry the same redacted views as the server.updated pushes.
  const shown = (view: ServerView) => redactedServerView(view, (text) => redact(text, engine.secrets))
  return {
    'servers.list': () => engine.fleet.views().map(shown),
    'servers.add': ({ spec, password, start, persist }) => {
      // A typo in the form's folder is refused on the field, before anything is saved or spawned.
      const folder = engine.fleet.localFolder(spec)
      const problem = folder === undefined ? undefined : localDirectoryProblem(folder)
      if (problem) throw new FlotillaError(`servers.add: spec.directory: ${problem}`, 'bad_request')
      return engine.addServer(spec, { password, start, persist }).then(shown)
    },
    'servers.remove': async ({ id }) => {
      await engine.removeServer(id)
      return { ok: true as const }
    },
    'servers.start': async ({ id }) => {
      await engine.fleet.get(id).start()
      return shown(engine.fleet.view(id))
    },
    'servers.stop': async ({ id }) => {
      await engine.fleet.get(id).stop()
      return shown(engine.fleet.view(id))
    },
    'servers.restart': async ({ id }) => {
      await engine.fleet.get(id).restart()
      return shown(engine.fleet.view(id))
    },
  }
}
