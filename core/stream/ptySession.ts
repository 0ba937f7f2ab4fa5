import { spawn, type IPty } from 'node-pty'

export interface PtyCommand {
  file: string
  args: string[]
  cwd: string
  env: Record<string, string>
  title: string
}

/**
 * One pseudo-terminal (node-pty): output is gathered and handed on once per frame (~16 ms),
 * so a chatty program costs one message per frame, not one per write.
 */
export class PtySession {
  private readonly pty: IPty
  private pending = ''
  private timer: NodeJS.Timeout | undefined
  private exited = false

  constructor(
    command: PtyCommand,
    size: { cols: number; rows: number },
    private readonly onData: (data: string) => void,
    private readonly onExit: (code: number | null) => void,
    private readonly frameMs = 16,
  ) {
    this.pty = spawn(command.file, command.args, { name: 'xterm-256color', cwd: command.cwd, env: command.env, cols: size.cols, rows: size.rows })
    this.pty.onData((data) => {
      this.pending += data
      this.timer ??= setTimeout(() => this.flush(), this.frameMs)
    })
    this.pty.onExit(({ exitCode }) => {
      this.exited = true
      this.flush()
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

  private flush(): void {
    clearTimeout(this.timer)
    this.timer = undefined
    if (!this.pending) return
    const data = this.pending
    this.pending = ''
    this.onData(data)
  }
}
