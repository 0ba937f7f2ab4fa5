import type { Engine } from '../engine'
import type { Handlers } from './types'

/** What a front end needs to know about the machine the engine runs on. */
export function hostHandlers(engine: Engine): Handlers<'host.info'> {
  return {
    'host.info': async () => {
      const projectDir = engine.options.projectDir
      // Said only when on: a front end prefills the scripted model for new servers.
      const demo = engine.options.demo ? { demo: true } : {}
      if (!projectDir) return demo
      const facts = await engine.workspaces.inspect(projectDir).catch(() => undefined)
      return { projectDir, ...(facts ? { repository: { root: facts.root, branch: facts.branch, dirty: facts.dirty } } : {}), ...demo }
    },
  }
}
