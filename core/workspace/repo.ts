import { FlotillaError } from '../lib/errors'
import { GitError, gitLine, type GitRunner } from './git'

/** What a task's workspace needs to know about the user's repository, read once at submit. */
export interface RepoFacts {
  /** The top of the working tree the folder is in. */
  root: string
  /** The commit checked out (undefined in a repository with no commit yet). */
  head?: string
  /** The branch checked out; undefined when HEAD is detached. */
  branch?: string
  /** Whether tracked files differ from HEAD or untracked (not ignored) files exist. */
  dirty: boolean
  /** Submodule paths (a worktree does not carry their contents: said, never silently broken). */
  submodules: string[]
  /** Whether .gitattributes route files through git-lfs (the worktree gets pointers unless git-lfs is set up). */
  lfs: boolean
}

/** The repository `folder` is in, or undefined when it is in none (then tasks share the folder). */
export async function inspectRepo(git: GitRunner, folder: string): Promise<RepoFacts | undefined> {
  let root: string
  try {
    root = await gitLine(git, ['rev-parse', '--show-toplevel'], { cwd: folder })
  } catch (error) {
    if (error instanceof GitError && /not a git repository/i.test(error.stderr)) return undefined
    throw error
  }
  if (!root) return undefined // a bare repository or the inside of .git: no working tree to isolate
  const head = (await git.run(['rev-parse', '--verify', '-q', 'HEAD^{commit}'], { cwd: root, okCodes: [1] })).stdout.trim() || undefined
  const branch = (await git.run(['symbolic-ref', '-q', '--short', 'HEAD'], { cwd: root, okCodes: [1] })).stdout.trim() || undefined
  const status = (await git.run(['status', '--porcelain', '-z', '--untracked-files=normal', '--ignore-submodules=dirty'], { cwd: root })).stdout
  const { submodules, lfs } = head ? await commitFacts(git, root, head) : { submodules: [], lfs: false }
  return { root, head, branch, dirty: status.length > 0, submodules, lfs }
}

/**
 * Submodules and LFS are facts of a commit (its tree and .gitattributes), so they are read once
 * per commit: every submit asks, and listing a 20k-file tree costs ~20 ms. Bounded: the oldest
 * entries go past CACHED_COMMITS.
 */
const CACHED_COMMITS = 64
const factsByCommit = new Map<string, Promise<{ submodules: string[]; lfs: boolean }>>()

function commitFacts(git: GitRunner, root: string, head: string): Promise<{ submodules: string[]; lfs: boolean }> {
  const key = `${root}\0${head}`
  let facts = factsByCommit.get(key)
  if (!facts) {
    facts = (async () => {
      const submodules = await submodulePaths(git, root, head)
      const attributes = (await git.run(['grep', '-I', '-l', '-e', 'filter=lfs', head, '--', '.gitattributes', '*/.gitattributes'], { cwd: root, okCodes: [1] })).stdout
      return { submodules, lfs: attributes.trim().length > 0 }
    })()
    factsByCommit.set(key, facts)
    // A failed read is not remembered: the next submit asks again.
    facts.catch(() => factsByCommit.get(key) === facts && factsByCommit.delete(key))
    while (factsByCommit.size > CACHED_COMMITS) factsByCommit.delete(factsByCommit.keys().next().value!)
  }
  return facts
}

async function submodulePaths(git: GitRunner, root: string, commit: string): Promise<string[]> {
  const tree = (await git.run(['ls-tree', '-r', '-z', commit], { cwd: root })).stdout
  return tree
    .split('\0')
    .filter((entry) => entry.startsWith('160000 '))
    .map((entry) => entry.slice(entry.indexOf('\t') + 1))
}

/** The commit a ref names (a branch, tag, SHA, `HEAD~2`); a clear error when it names none. */
export async function resolveCommit(git: GitRunner, root: string, ref: string): Promise<string> {
  // A ref that looks like an option would be read as one.
  if (ref.startsWith('-') || ref.length === 0 || ref.length > 256) throw new FlotillaError(`expected a git ref (a branch, tag or commit), got "${ref}"`, 'bad_request')
  const found = (await git.run(['rev-parse', '--verify', '-q', '--end-of-options', `${ref}^{commit}`], { cwd: root, okCodes: [1] })).stdout.trim()
  if (!found) throw new FlotillaError(`expected a git ref (a branch, tag or commit) in ${root}, got "${ref}", which names no commit there`, 'bad_request')
  return found
}

/** The local user's identity, which every result commit carries wherever the task ran. */
export async function localIdentity(git: GitRunner, root: string): Promise<{ name: string; email: string }> {
  const read = async (key: string) => (await git.run(['config', '--get', key], { cwd: root, okCodes: [1] })).stdout.trim()
  const [name, email] = [await read('user.name'), await read('user.email')]
  if (!name || !email) {
    throw new FlotillaError(`expected a git identity for result commits (git config user.name and user.email in ${root}), got ${name ? '' : 'no user.name'}${!name && !email ? ' and ' : ''}${email ? '' : 'no user.email'}`, 'bad_request')
  }
  return { name, email }
}
