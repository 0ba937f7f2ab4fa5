import { spawn, type IPty } from 'node-pty'

export interface PtyCommand {
  file: string
  args: string[]
  cwd: string
  env: Record<string, string>
  title: string
}

/**
 * One pseudo-terminal (node-pty). Output after a quiet spell goes out at once (a keystroke's
 * echo must not wait for a frame); output that follows within a frame (~16 ms) is gathered and
 * sent at the frame's end, so a chatty program costs one message per frame, not one per write.
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
      if (this.timer) return
      this.flush()
      this.timer = setTimeout(() => this.endFrame(), this.frameMs)
    })
    this.pty.onExit(({ exitCode }) => {
      this.exited = true
      clearTimeout(this.timer)
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

  private endFrame(): void {
    this.timer = undefined
    this.flush()
  }

  private flush(): void {
    if (!this.pending) return
    const data = this.pending
    this.pending = ''
    this.onData(data)
  }
}
