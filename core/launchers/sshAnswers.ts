import type { ServerSpec } from '../contract/servers'
import type { SshConnectOptions } from '../ssh/sshConnection'
import type { SshPrompts } from './types'

/**
 * The host-key and passphrase answers an SSH login of this server uses: the per-server prompts
 * when the launcher has them, else the single answers it was built with (tests, a bare launcher).
 */
export function sshAnswers(spec: ServerSpec, prompts: SshPrompts | undefined, fallback: Pick<SshConnectOptions, 'confirmHostKey' | 'passphrase'>): Pick<SshConnectOptions, 'confirmHostKey' | 'passphrase'> {
  if (!prompts) return { confirmHostKey: fallback.confirmHostKey, passphrase: fallback.passphrase }
  return {
    confirmHostKey: (question) => prompts.confirmHostKey(spec, question),
    passphrase: (keyPath, retry) => prompts.passphrase(spec, keyPath, retry),
  }
}
