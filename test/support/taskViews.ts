import type { TaskView, WorkspacePlan } from '../../core/contract/tasks'

// TaskView fixtures built by hand in the renderer and CLI tests: the fields every task has, a
// result's, and a worktree plan; each test names only what it is about.

/** A queued task with the contract's required fields (prompt 'p', created at 1); `over` sets the rest. */
export const taskView = (id: string, over: Partial<TaskView> = {}): TaskView =>
  ({ id, prompt: 'p', state: 'queued', target: { kind: 'any' }, priority: 0, maxAttempts: 3, attempts: [], createdAt: 1, ...over }) as TaskView

/** A result with no text, tokens, cost or files, that took 1 ms; `over` adds isolation, branch, shas. */
export const taskResult = (over: object = {}): NonNullable<TaskView['result']> =>
  ({ text: '', tokens: { input: 0, output: 0, reasoning: 0, cacheRead: 0, cacheWrite: 0 }, cost: 0, durationMs: 1, files: [], ...over }) as NonNullable<TaskView['result']>

/** A worktree plan of `repo` at HEAD = `base`, landing on main, nothing copied. */
export const worktreePlan = (repo: string, base: string): WorkspacePlan => ({ repo, subdir: '', baseRef: 'HEAD', baseCommit: base, baseSha: base, dirtySnapshot: false, targetBranch: 'main', copy: [] })
