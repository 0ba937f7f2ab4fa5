import { events } from '../../core/contract/api'

/**
 * Terminal output as a dispatcher pushes it (no transport in between): counts per terminal,
 * and the last few KB, parsed with the contract's own schema.
 */
export class TerminalPushes {
  private readonly seen = new Map<string, { received: number; tail: string }>()

  readonly push = (event: string, payload: unknown): void => {
    if (event !== 'terminals.data') return
    const { terminalId, data } = events['terminals.data'].parse(payload)
    const seen = this.seen.get(terminalId) ?? { received: 0, tail: '' }
    seen.received += data.length
    seen.tail = (seen.tail + data).slice(-4096)
    this.seen.set(terminalId, seen)
  }

  received(terminalId: string): number {
    return this.seen.get(terminalId)?.received ?? 0
  }

  tail(terminalId: string): string {
    return this.seen.get(terminalId)?.tail ?? ''
  }
}
