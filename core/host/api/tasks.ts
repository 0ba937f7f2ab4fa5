import type { Engine } from '../engine'
import { updateSettings } from '../settingsOwner'
import { submitTasks } from '../taskSubmission'
import type { Handlers } from './types'

type TaskMethods = 'tasks.submit' | 'tasks.list' | 'tasks.get' | 'tasks.cancel' | 'tasks.retry' | 'scheduler.get' | 'scheduler.setStrategy'

export function taskHandlers(engine: Engine): Handlers<TaskMethods> {
  const { scheduler } = engine
  return {
    'tasks.submit': ({ tasks, maxCost }) =>
      submitTasks(
        { scheduler, workspaces: engine.workspaces, notice: (level, message) => engine.push('notice', { level, message }), saved: (root) => engine.repositorySettings(root) },
        tasks,
        { maxCost },
      ),
    'tasks.list': ({ states }) => (states ? scheduler.list().filter((t) => states.includes(t.state)) : scheduler.list()),
    'tasks.get': ({ id }) => scheduler.get(id),
    'tasks.cancel': ({ id }) => scheduler.cancel(id),
    'tasks.retry': ({ id }) => scheduler.retry(id),
    'scheduler.get': () => ({ strategy: scheduler.strategy }),
    'scheduler.setStrategy': ({ strategy }) => ({ strategy: updateSettings(engine, { strategy }).strategy }),
  }
}
