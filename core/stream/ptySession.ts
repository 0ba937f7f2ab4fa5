import { spawn, type IPty } from 'node-pty'
import { FrameBatcher } from './frameBatcher'
import type { TerminalSession } from './terminalSession'

export interface PtyCommand {
  file: string
  args: string[]
  cwd: string
  env: Record<string, string>
  title: string
}

/** One pseudo-terminal (node-pty), its output batched per frame (FrameBatcher). */
export class PtySession implements TerminalSession {
  private readonly pty: IPty
  private exited = false

  constructor(
    command: PtyCommand,
    size: { cols: number; rows: number },
    onData: (data: string) => void,
    private readonly onExit: (code: number | null) => void,
    frameMs = 16,
  ) {
    this.pty = spawn(command.file, command.args, { name: 'xterm-256color', cwd: command.cwd, env: command.env, cols: size.cols, rows: size.rows })
    const output = new FrameBatcher(onData, frameMs)
    this.pty.onData((data) => output.push(data))
    this.pty.onExit(({ exitCode }) => {
      this.exited = true
      output.end()
      this.onExit(exitCode)
    })
  }

  get pid(): number {
    return this.pty.pid
  }

  write(data: string): void {
    if (!this.exited) this.pty.write(data)
  }

  resize(cols: number, rows: number): void {
    if (!this.exited) this.pty.resize(cols, rows)
  }

  /** Stops reading the pty: once the kernel's buffer is full the program blocks on its writes. */
  pause(): void {
    if (!this.exited) this.pty.pause()
  }

  resume(): void {
    if (!this.exited) this.pty.resume()
  }

  /** Ends the program (SIGHUP, as closing a terminal window does; SIGKILL if it lingers). */
  close(): void {
    if (this.exited) return
    this.pty.kill('SIGHUP')
    const pid = this.pty.pid
    setTimeout(() => {
      if (this.exited) return
      try {
        process.kill(pid, 'SIGKILL')
      } catch {
        // already gone
      }
    }, 2_000).unref()
  }
}
