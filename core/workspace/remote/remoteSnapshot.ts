import { createHash } from 'node:crypto'
import { quoteWord, runScript, type RemoteExec } from './remoteGit'

// opencode's snapshot repository of a worktree on another machine, the same as
// opencodeSnapshots.ts does here: seeded before the first prompt (opencode 1.18.33 would hash
// every file of the fresh worktree again: 8.6-9.4 s at 20k files, measured here), and removed
// with the worktree (opencode never removes it, and each one would hold a copy of the tree).
// One script each, over the link Flotilla holds: the layout is opencode's
// (`<root>/<project id>/<sha1 of the folder>`, the project id being the repository's root commit).

/** Variables that would point git at another repository, unset first. */
const UNSET_GIT = 'unset GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE GIT_COMMON_DIR GIT_OBJECT_DIRECTORY GIT_ALTERNATE_OBJECT_DIRECTORIES GIT_CEILING_DIRECTORIES'

function folderHash(worktree: string): string {
  return createHash('sha1').update(worktree).digest('hex')
}

/**
 * Makes the snapshot repository for a fresh worktree there (`root`: that server's snapshot
 * folder): the cache's objects as alternates and the worktree's own index. Nothing is made when
 * the project id is not certain (several root commits) or the folder is there already. Returns
 * the folder made, if any.
 */
export async function seedRemoteSnapshot(remote: RemoteExec, worktree: string, root: string): Promise<string | undefined> {
  const script = [
    'set -e',
    UNSET_GIT,
    `wt=${quoteWord(worktree)}`,
    'common=$(git -C "$wt" rev-parse --path-format=absolute --git-common-dir)',
    'idx=$(git -C "$wt" rev-parse --path-format=absolute --git-path index)',
    'project=',
    '[ -f "$common/opencode" ] && project=$(head -c 40 "$common/opencode")',
    'if [ -z "$project" ]; then roots=$(git -C "$wt" rev-list --max-parents=0 --all); [ "$(printf "%s\\n" "$roots" | wc -l)" -eq 1 ] || exit 0; project=$roots; fi',
    'case "$project" in "" | *[!0-9a-f]*) exit 0 ;; esac',
    `dir=${quoteWord(root)}/"$project"/${folderHash(worktree)}`,
    '[ -e "$dir" ] && exit 0',
    'mkdir -p "$dir/objects/info"',
    'GIT_DIR="$dir" GIT_WORK_TREE="$wt" git init -q',
    // The settings opencode gives its snapshot repositories.
    'for kv in autocrlf=false longpaths=true symlinks=true fsmonitor=false; do git config -f "$dir/config" "core.${kv%%=*}" "${kv#*=}"; done',
    'printf "%s\\n" "$common/objects" > "$dir/objects/info/alternates"',
    'cp "$idx" "$dir/index"',
    'printf "%s" "$dir"',
  ].join('\n')
  const made = (await runScript(remote, script, `seed opencode's snapshot of ${worktree}`)).toString('utf8').trim()
  return made || undefined
}

/** Removes the snapshot repositories there that name this worktree as theirs (any project). */
export async function removeRemoteSnapshots(remote: RemoteExec, worktree: string, root: string): Promise<void> {
  const script = [
    `line=${quoteWord(`\tworktree = ${worktree}`)}`,
    `for d in ${quoteWord(root)}/*/${folderHash(worktree)}; do`,
    '  [ -f "$d/config" ] && grep -qxF -- "$line" "$d/config" && rm -rf -- "$d"',
    'done',
    'true',
  ].join('\n')
  await runScript(remote, script, `remove opencode's snapshot of ${worktree}`)
}
