/** A frame is sent early once it holds this much: flow control sees a fast program's output per chunk, not per 16 ms burst. */
const MAX_FRAME_CHARS = 64 * 1024

/**
 * Terminal output to a client: output after a quiet spell goes out at once (a keystroke's echo
 * must not wait for a frame); output that follows within a frame (~16 ms) is gathered and sent
 * at the frame's end, so a chatty program costs one message per frame, not one per write.
 */
export class FrameBatcher {
  private pending = ''
  private timer: NodeJS.Timeout | undefined

  constructor(
    private readonly send: (data: string) => void,
    private readonly frameMs = 16,
    private readonly maxChars = MAX_FRAME_CHARS,
  ) {}

  push(data: string): void {
    this.pending += data
    if (this.timer) {
      if (this.pending.length >= this.maxChars) this.flush()
      return
    }
    this.flush()
    this.timer = setTimeout(() => {
      this.timer = undefined
      this.flush()
    }, this.frameMs)
  }

  /** Sends what is left now (the program ended). */
  end(): void {
    clearTimeout(this.timer)
    this.timer = undefined
    this.flush()
  }

  private flush(): void {
    if (!this.pending) return
    const data = this.pending
    this.pending = ''
    this.send(data)
  }
}
