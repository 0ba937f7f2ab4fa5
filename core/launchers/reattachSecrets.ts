import { existsSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { z } from 'zod'
import { ensurePrivateDir, writeFileAtomic } from '../store/privateFiles'

const Entry = z.object({ pid: z.number().int().positive(), password: z.string().min(16).max(200) })

/**
 * Passwords of servers that outlive Flotilla (tmux windows, SSH hosts), kept on this machine
 * only, so that a later Flotilla can reattach; the server's own host never stores them.
 * A 0600 file per server in a 0700 folder of Flotilla's state folder, not the keychain: a
 * reattach must work for the CLI and the browser host too, which have no keychain, and the
 * file is as private as the user's SSH keys beside it. Each entry names the pid it belongs to,
 * so a recycled server id never gets another server's password.
 */
export class ReattachSecrets {
  constructor(private readonly dir: string) {}

  get(key: string, pid: number): string | undefined {
    const path = this.path(key)
    if (!existsSync(path)) return undefined
    try {
      const entry = Entry.parse(JSON.parse(readFileSync(path, 'utf8')))
      return entry.pid === pid ? entry.password : undefined
    } catch {
      return undefined // unreadable: the server cannot be reattached, so a fresh one starts
    }
  }

  set(key: string, pid: number, password: string): void {
    ensurePrivateDir(this.dir)
    writeFileAtomic(this.path(key), JSON.stringify({ pid, password }))
  }

  delete(key: string): void {
    rmSync(this.path(key), { force: true })
  }

  private path(key: string): string {
    // Keys name hosts and ids ("user@host:22/box-a"): one safe file name each, never a path.
    return join(this.dir, `${encodeURIComponent(key)}.json`)
  }
}
