import { gitLine, signingArgs, type GitRunner } from './git'

export interface ResultCommitRequest {
  /** The task's worktree (its HEAD is the task's branch). */
  worktree: string
  /** The commit the result goes on top of: the base, or the branch's last result for a follow-up. */
  parent: string
  /** Paths never part of the result (the --copy files): left as they are in the parent. */
  leaveOut?: readonly string[]
  /** Subject line (the task's title or its prompt's first line). */
  subject: string
  trailers: Record<string, string>
  /** The local user's identity: result commits carry it wherever the task ran (asked only when there is a commit to make). */
  identity: () => Promise<{ name: string; email: string }>
}

/**
 * Commits everything the task changed in its worktree (tracked and untracked files; ignored ones
 * stay out) onto its branch; undefined when the task changed nothing. Plumbing, not `git commit`:
 * no hooks run and nothing prompts (the commit is Flotilla's record of what the agent did; the
 * user's hooks run when they take the result into their own work). commit-tree ignores
 * `commit.gpgSign` (git ≥ 2.9.1, checked on 2.39), so it is asked for with -S where the config signs.
 */
export async function commitResult(git: GitRunner, request: ResultCommitRequest): Promise<string | undefined> {
  const cwd = request.worktree
  await git.run(['add', '-A', '--', '.'], { cwd })
  if (request.leaveOut?.length) await git.run(['reset', '-q', request.parent, '--', ...request.leaveOut], { cwd })
  const tree = await gitLine(git, ['write-tree'], { cwd })
  const parentTree = await gitLine(git, ['rev-parse', `${request.parent}^{tree}`], { cwd })
  if (tree === parentTree) return undefined
  const { name, email } = await request.identity()
  const env = { GIT_AUTHOR_NAME: name, GIT_AUTHOR_EMAIL: email, GIT_COMMITTER_NAME: name, GIT_COMMITTER_EMAIL: email }
  const sign = await signingArgs(git, cwd)
  const commit = await gitLine(git, ['commit-tree', ...sign, tree, '-p', request.parent, '-F', '-'], { cwd, env, input: commitMessage(request.subject, request.trailers) })
  // The old value guards against a branch someone moved meanwhile.
  await git.run(['update-ref', '-m', 'flotilla: task result', 'HEAD', commit, request.parent], { cwd })
  return commit
}

/** A subject of at most 72 characters from untrusted text, a blank line, then the trailers. */
export function commitMessage(subject: string, trailers: Record<string, string>): string {
  const clean = (s: string) => s.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ').replace(/\s+/g, ' ').trim()
  let line = clean(subject) || 'Flotilla task'
  if (line.length > 72) line = `${line.slice(0, 71).trimEnd()}…`
  const lines = Object.entries(trailers).map(([key, value]) => `${key}: ${clean(value)}`)
  return `${line}\n\n${lines.join('\n')}\n`
}
