import type { Engine } from '../engine'
import type { Handlers } from './types'

type ServerMethods = 'servers.list' | 'servers.add' | 'servers.remove' | 'servers.start' | 'servers.stop' | 'servers.restart'

export function serverHandlers(engine: Engine): Handlers<ServerMethods> {
  return {
    'servers.list': () => engine.fleet.views(),
    'servers.add': ({ spec, password, start, persist }) => engine.addServer(spec, { password, start, persist }),
    'servers.remove': async ({ id }) => {
      await engine.removeServer(id)
      return { ok: true as const }
    },
    'servers.start': async ({ id }) => {
      const server = engine.fleet.get(id)
      await server.start()
      return server.view()
    },
    'servers.stop': async ({ id }) => {
      const server = engine.fleet.get(id)
      await server.stop()
      return server.view()
    },
    'servers.restart': async ({ id }) => {
      const server = engine.fleet.get(id)
      await server.restart()
      return server.view()
    },
  }
}
