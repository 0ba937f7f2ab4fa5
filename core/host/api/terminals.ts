import type { ClientTerminals } from '../../stream/clientTerminals'
import type { Handlers } from './types'

type TerminalMethods = 'terminals.open' | 'terminals.write' | 'terminals.resize' | 'terminals.close' | 'terminals.ack'

export function terminalHandlers(terminals: ClientTerminals): Handlers<TerminalMethods> {
  const ok = { ok: true as const }
  return {
    'terminals.open': ({ kind, serverId, cols, rows }) => terminals.open(kind, serverId, cols, rows),
    'terminals.write': ({ terminalId, data }) => (terminals.get(terminalId).write(data), ok),
    'terminals.resize': ({ terminalId, cols, rows }) => (terminals.get(terminalId).resize(cols, rows), ok),
    'terminals.close': ({ terminalId }) => (terminals.close(terminalId), ok),
    'terminals.ack': ({ terminalId, chars }) => (terminals.acknowledge(terminalId, chars), ok),
  }
}
