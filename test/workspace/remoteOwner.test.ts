import { hostname } from 'node:os'
import { describe, expect, it } from 'vitest'
import { judgeOwner, localOwner, parseRemoteOwner } from '../../core/workspace/remote/owner'

// What the remote sweep concludes from a worktree's owner note (the note comes back from the
// remote machine, so it is parsed as untrusted text first).
const GONE = 4_194_303 // above Linux's default pid_max: no process has it

describe('remote owner notes', () => {
  it("this machine's live process is live, a gone one's worktree is a leftover, another machine's is not ours to judge", () => {
    expect(judgeOwner(localOwner())).toEqual({ kind: 'live' })
    expect(judgeOwner({ machine: hostname(), pid: GONE })).toMatchObject({ kind: 'dead' })
    expect(judgeOwner({ machine: 'elsewhere', pid: process.pid })).toMatchObject({ kind: 'unknown' })
    expect(judgeOwner(undefined)).toMatchObject({ kind: 'unknown' })
  })

  it('a --keep-worktrees note is never a leftover, even once its process is gone', () => {
    expect(judgeOwner({ machine: hostname(), pid: GONE, kept: true })).toEqual({ kind: 'live' })
    const parsed = parseRemoteOwner(JSON.stringify({ machine: hostname(), pid: GONE, kept: true }))
    expect(parsed?.kept).toBe(true)
    // Only `true` means kept: anything else is not one of our notes.
    expect(parseRemoteOwner(JSON.stringify({ machine: hostname(), pid: GONE, kept: 'yes' }))).toBeUndefined()
  })
})
