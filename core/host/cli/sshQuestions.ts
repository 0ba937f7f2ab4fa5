import type { HostKeyConfirm } from '../../ssh/sshConnection'
import type { Ask } from './ttyPrompt'

/**
 * What a CLI command (run, gc) answers when an SSH connection asks: an unknown host key is
 * accepted with --accept-new-host-key (said on stderr), else asked on the terminal, else refused
 * (the connection then fails saying what to do); a key's passphrase is asked on the terminal only.
 */
export function terminalSshAnswers(options: { acceptNewHostKey: boolean; err: (line: string) => void; ask?: Ask }): {
  confirmHostKey: HostKeyConfirm
  passphrase?: (keyPath: string, retry: boolean) => Promise<string | undefined>
} {
  const { ask, err } = options
  return {
    confirmHostKey: async (q) => {
      const shown = `${q.host}:${q.port}: ${q.keyType} ${q.fingerprint}`
      if (options.acceptNewHostKey) {
        err(`accepting the new host key of ${shown} (recorded in known_hosts)`)
        return 'record'
      }
      if (!ask) return 'reject'
      const answer = (await ask(`The host key of ${shown} is not known. Accept it? [y = yes and remember / o = this time only / N] `)).trim().toLowerCase()
      return answer === 'y' || answer === 'yes' ? 'record' : answer === 'o' || answer === 'once' ? 'once' : 'reject'
    },
    passphrase: ask ? async (keyPath, retry) => (await ask(`${retry ? 'Wrong passphrase, try again. ' : ''}Passphrase for ${keyPath}: `, { secret: true })) || undefined : undefined,
  }
}
