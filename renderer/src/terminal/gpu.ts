/** Renderer strings of WebGL implemented on the CPU. */
const SOFTWARE = /swiftshader|llvmpipe|softpipe|software|basic render/i

let answer: boolean | undefined

/**
 * Whether WebGL here runs on a GPU. Software WebGL (SwiftShader, llvmpipe: VMs, remote
 * desktops, no drivers) draws a busy grid far slower than xterm's DOM renderer, and each
 * context blocks the page while it reads pixels back: measured in bench/grid.bench.ts, 16
 * streaming panes fell to ~2 fps. Asked once; the probe context is given back at once.
 */
export function hasHardwareWebgl(): boolean {
  if (answer !== undefined) return answer
  answer = false
  try {
    const gl = document.createElement('canvas').getContext('webgl2', { failIfMajorPerformanceCaveat: true })
    if (!gl) return answer
    const info = gl.getExtension('WEBGL_debug_renderer_info')
    const renderer = String(info ? gl.getParameter(info.UNMASKED_RENDERER_WEBGL) : gl.getParameter(gl.RENDERER))
    answer = !SOFTWARE.test(renderer)
    gl.getExtension('WEBGL_lose_context')?.loseContext()
  } catch {
    answer = false
  }
  return answer
}
