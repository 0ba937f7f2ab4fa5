import { createInterface } from 'node:readline'
import { Writable } from 'node:stream'

export type Ask = (question: string, options?: { secret?: boolean }) => Promise<string>

/**
 * Questions on the terminal (stdin and stderr must both be one): a host key to accept, a key's
 * passphrase. Secret answers are not echoed. Questions asked at once (servers start in
 * parallel) are put one after another.
 */
export function ttyAsk(): Ask | undefined {
  if (!process.stdin.isTTY || !process.stderr.isTTY) return undefined
  let queue: Promise<unknown> = Promise.resolve()
  return (question, { secret = false } = {}) => {
    const asked = queue.then(
      () =>
        new Promise<string>((resolve) => {
          // readline echoes typed keys to its output: for a secret, an output that drops them.
          const output = new Writable({
            write(chunk, _encoding, done) {
              if (!secret) process.stderr.write(chunk)
              done()
            },
          })
          // The terminal goes raw (no echo of its own) before the question shows, so nothing
          // typed in answer is ever echoed by the tty itself.
          const rl = createInterface({ input: process.stdin, output, terminal: true })
          process.stderr.write(question)
          rl.question('', (answer) => {
            rl.close()
            if (secret) process.stderr.write('\n')
            resolve(answer)
          })
          // Ctrl-C at the question counts as "no" (the run's own Ctrl-C handling still applies).
          rl.on('SIGINT', () => {
            rl.close()
            process.stderr.write('\n')
            resolve('')
            process.kill(process.pid, 'SIGINT')
          })
        }),
    )
    queue = asked.catch(() => {})
    return asked
  }
}
