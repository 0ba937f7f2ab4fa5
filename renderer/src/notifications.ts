import { isFinalState } from '../../core/contract/tasks'
import type { ApiClient } from './api/client'


/**
 * Desktop notifications while the window is not focused: a task finished, or a server waits
 * for an answer. Needs the user's permission (asked from a button, never on load).
 */
export function watchForNotifications(client: Pick<ApiClient, 'on'>, serverName: (id: string) => string): () => void {
  const seen = new Map<string, string>()
  const show = (title: string, body: string, tag: string) => {
    if (typeof Notification !== 'function' || Notification.permission !== 'granted' || document.hasFocus()) return
    try {
      new Notification(title, { body: body.slice(0, 200), tag })
    } catch {
      // some environments only allow notifications from a service worker; nothing to do then
    }
  }
  const offTask = client.on('task.updated', (task) => {
    const before = seen.get(task.id)
    seen.set(task.id, task.state)
    if (isFinalState(task.state) && before !== undefined && !isFinalState(before)) {
      show(`Task ${task.state}`, task.title || task.prompt, `task-${task.id}`)
    }
  })
  const offAttention = client.on('attention.added', (item) => {
    show(`${serverName(item.serverId)} needs attention`, item.title, `attention-${item.id}`)
  })
  return () => {
    offTask()
    offAttention()
  }
}

export function canAskForNotifications(): boolean {
  return typeof Notification === 'function' && Notification.permission === 'default'
}
