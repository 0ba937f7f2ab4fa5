import type { GitRunner } from './git'

export type FileStatus = 'added' | 'modified' | 'deleted' | 'renamed' | 'copied' | 'type-changed'

export interface FileChange {
  file: string
  /** The old path of a rename or copy. */
  from?: string
  status: FileStatus
  /** Line counts; 0/0 for a binary file (`binary` says so). */
  additions: number
  deletions: number
  binary?: boolean
}

const STATUS: Record<string, FileStatus> = { A: 'added', M: 'modified', D: 'deleted', R: 'renamed', C: 'copied', T: 'type-changed' }

/** The files `head` changed since `base`, with status and line counts (renames detected). */
export async function changedFiles(git: GitRunner, cwd: string, base: string, head: string): Promise<FileChange[]> {
  const range = ['-M', '--no-ext-diff', '--no-textconv', base, head, '--']
  const [names, counts] = await Promise.all([git.run(['diff', '--name-status', '-z', ...range], { cwd }), git.run(['diff', '--numstat', '-z', ...range], { cwd })])
  const files = parseNameStatus(names.stdout)
  const byPath = new Map(files.map((f) => [f.file, f]))
  for (const count of parseNumstat(counts.stdout)) {
    const file = byPath.get(count.file)
    if (!file) continue
    file.additions = count.additions
    file.deletions = count.deletions
    if (count.binary) file.binary = true
  }
  return files
}

/** `--name-status -z`: "M\0path\0", renames and copies "R100\0old\0new\0". */
export function parseNameStatus(raw: string): FileChange[] {
  const fields = raw.split('\0')
  const files: FileChange[] = []
  for (let i = 0; i + 1 < fields.length; ) {
    const code = fields[i++]!
    const status = STATUS[code[0] ?? '']
    if (!status) throw new Error(`expected a git status letter (A, M, D, R, C, T), got "${code}"`)
    if (status === 'renamed' || status === 'copied') {
      const from = fields[i++]!
      files.push({ file: fields[i++]!, from, status, additions: 0, deletions: 0 })
    } else files.push({ file: fields[i++]!, status, additions: 0, deletions: 0 })
  }
  return files
}

/** `--numstat -z`: "adds\tdels\tpath\0", renames "adds\tdels\t\0old\0new\0"; "-\t-" for binary files. */
export function parseNumstat(raw: string): Array<{ file: string; additions: number; deletions: number; binary: boolean }> {
  const fields = raw.split('\0')
  const out: Array<{ file: string; additions: number; deletions: number; binary: boolean }> = []
  for (let i = 0; i < fields.length; ) {
    const head = fields[i++]!
    if (head === '') continue
    const [adds, dels, path] = head.split('\t') as [string, string, string]
    let file = path
    if (path === '') {
      i++ // the old path of a rename
      file = fields[i++]!
    }
    const binary = adds === '-'
    out.push({ file, additions: binary ? 0 : Number(adds), deletions: binary ? 0 : Number(dels), binary })
  }
  return out
}
