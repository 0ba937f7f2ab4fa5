import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'
import { z } from 'zod'

/** Encrypts secrets with the OS keychain (Electron's safeStorage in the app). */
export interface SecretCipher {
  available(): boolean
  encrypt(plain: string): Buffer
  decrypt(data: Buffer): string
}

const SecretsFile = z.record(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/), z.string().max(20_000))

/**
 * Server passwords, encrypted by the OS keychain, in a 0600 file beside the settings (never in
 * the settings file, never in logs). Without a keychain nothing is written: secrets then live
 * for the process only, and `persistent` says so.
 */
export class SecretStore {
  private readonly entries: Record<string, string>
  readonly warning: string | undefined

  constructor(
    private readonly path: string,
    private readonly cipher: SecretCipher,
  ) {
    const { entries, warning } = this.read()
    this.entries = entries
    this.warning = warning
  }

  get persistent(): boolean {
    return this.cipher.available()
  }

  get(id: string): string | undefined {
    const sealed = this.entries[id]
    if (sealed === undefined) return undefined
    try {
      return this.cipher.decrypt(Buffer.from(sealed, 'base64'))
    } catch {
      return undefined // sealed by another user or machine: ask again
    }
  }

  set(id: string, secret: string): void {
    if (!this.persistent) return
    this.entries[id] = this.cipher.encrypt(secret).toString('base64')
    this.write()
  }

  delete(id: string): void {
    if (!(id in this.entries)) return
    delete this.entries[id]
    this.write()
  }

  private read(): { entries: Record<string, string>; warning?: string } {
    if (!existsSync(this.path)) return { entries: {} }
    try {
      return { entries: SecretsFile.parse(JSON.parse(readFileSync(this.path, 'utf8'))) }
    } catch {
      const backup = `${this.path}.corrupt-${Date.now()}`
      renameSync(this.path, backup)
      return { entries: {}, warning: `unreadable secrets file ${this.path}: kept it as ${backup}; saved server passwords must be entered again` }
    }
  }

  private write(): void {
    mkdirSync(dirname(this.path), { recursive: true })
    const temp = `${this.path}.tmp`
    writeFileSync(temp, JSON.stringify(this.entries), { mode: 0o600 })
    chmodSync(temp, 0o600)
    renameSync(temp, this.path)
  }
}
