import { describe, expect, it } from 'vitest'
import type { ServerView } from '../../core/contract/servers'
import type { TaskView } from '../../core/contract/tasks'
import { paneLabels } from '../../renderer/src/grid/paneLabels'
import { taskView } from '../support/taskViews'

const server = (id: string, name: string, state: ServerView['state'] = 'ready') => ({ id, name, state }) as ServerView
const task = (id: string, over: Partial<TaskView>): TaskView => taskView(id, over)

describe('pane labels (issue 12)', () => {
  it('a task pane: its title or prompt, its server, its state; the id only in the tooltip', () => {
    const servers = [server('s1', 'gpu-box')]
    const tasks = [task('t2', { prompt: 'Second\nmore', state: 'running', serverId: 's1', attempts: [{ attempt: 1, serverId: 's1', startedAt: 1, outcome: 'server-lost' }, { attempt: 2, serverId: 's1', startedAt: 2, outcome: 'running' }] }), task('t1', { title: 'First task', state: 'completed', serverId: 's1' })]
    const labels = paneLabels([{ id: 'task:t1', source: { kind: 'task', taskId: 't1' } }, { id: 'task:t2', source: { kind: 'task', taskId: 't2' } }], servers, tasks)
    expect(labels.get('task:t1')).toMatchObject({ title: 'First task', where: 'gpu-box', state: 'completed', tone: 'ok' })
    const second = labels.get('task:t2')!
    expect(second).toMatchObject({ title: 'Second', where: 'gpu-box', state: 'running', tone: 'live', prompt: 'Second\nmore' })
    expect(second.tooltip).toBe('Second\nrunning on gpu-box · attempt 2 of 3 · task t2')
  })

  it('a queued task says how many are ahead (the store keeps tasks newest first)', () => {
    const tasks = [task('t3', { prompt: 'three' }), task('t2', { prompt: 'two' }), task('t1', { prompt: 'one' })]
    const labels = paneLabels(['t1', 't2', 't3'].map((id) => ({ id: `task:${id}`, source: { kind: 'task' as const, taskId: id } })), [], tasks)
    expect(['t1', 't2', 't3'].map((id) => labels.get(`task:${id}`)!.state)).toEqual(['queued, 0 ahead', 'queued, 1 ahead', 'queued, 2 ahead'])
    expect(labels.get('task:t1')!.where).toBe('')
  })

  it('servers, shells and TUIs keep their kind first (shell 2 · local)', () => {
    const labels = paneLabels(
      [
        { id: 'server:s1', source: { kind: 'server', serverId: 's1' } },
        { id: 'shell::2', source: { kind: 'shell', n: 2 } },
        { id: 'tui:s1', source: { kind: 'tui', serverId: 's1' } },
      ],
      [server('s1', 'local-1', 'failed')],
      [],
    )
    expect(labels.get('server:s1')).toMatchObject({ title: 'local-1', where: 'events', state: 'failed', tone: 'bad' })
    expect(labels.get('shell::2')).toMatchObject({ title: 'shell 2', where: 'local' })
    expect(labels.get('tui:s1')).toMatchObject({ title: 'tui', where: 'local-1' })
  })
})
