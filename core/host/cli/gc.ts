import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { flotillaHome } from '../../store/paths'
import { TaskJournal } from '../../store/taskJournal'
import { sanitizeTerminalText as safe } from '../../view/terminalText'
import { Workspaces } from '../../workspace/workspaces'
import { UsageError } from './options'

export const GC_USAGE = `Usage: flotilla gc [--dry-run] [--kept]

Removes what Flotilla left behind on this machine: task worktrees whose run ended without
removing them (a crash, kill -9). Their branches flotilla/<task> are kept: they are the results.
Worktrees a journal still lists (the app's, serve's) and --keep-worktrees ones stay.

  --dry-run   list what would be removed, remove nothing
  --kept      also remove worktrees kept with --keep-worktrees
  -h, --help  this text`

export interface GcOptions {
  dryRun: boolean
  kept: boolean
}

export function parseGcArgs(argv: string[]): GcOptions {
  try {
    const { values } = parseArgs({ args: argv, strict: true, allowPositionals: false, options: { 'dry-run': { type: 'boolean' }, kept: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } })
    if (values.help) throw new UsageError('')
    return { dryRun: values['dry-run'] ?? false, kept: values.kept ?? false }
  } catch (error) {
    if (error instanceof UsageError) throw error
    throw new UsageError((error as Error).message)
  }
}

/** `flotilla gc`: the leftover worktrees of this machine's Flotilla home, listed or removed. */
export async function gcCommand(options: GcOptions, io: { out: (l: string) => void; err: (l: string) => void }): Promise<number> {
  const home = flotillaHome()
  const journal = join(home.state, 'tasks.jsonl')
  // What the app's journal still holds is not left over (read only: the journal is not written here).
  const tasks = existsSync(journal) ? new TaskJournal(journal).load() : []
  const workspaces = new Workspaces({ root: join(home.state, 'worktrees'), journal })
  const leftovers = await workspaces.sweep({ listed: workspaces.heldBy(tasks), dryRun: options.dryRun })
  const verb = options.dryRun ? 'would remove' : 'removed'
  for (const l of leftovers) io.out(`${l.error ? 'could not remove' : verb} ${safe(l.path)}${l.repo ? ` (worktree of ${safe(l.repo)})` : ''}: ${safe(l.error ?? l.reason)}`)
  const kept = workspaces.keptWorktrees()
  for (const k of kept) io.out(`${options.kept ? verb : 'kept'} ${safe(k.path)}${k.repo ? ` (worktree of ${safe(k.repo)})` : ''}: --keep-worktrees${options.kept ? '' : ' (flotilla gc --kept removes it)'}`)
  if (options.kept) for (const failure of await workspaces.removeKept(options.dryRun)) io.err(`could not remove ${safe(failure)}`)
  io.out(`${leftovers.filter((l) => !l.error).length} leftover worktree${leftovers.length === 1 ? '' : 's'} ${verb}; branches are kept.`)
  return leftovers.some((l) => l.error) ? 1 : 0
}
