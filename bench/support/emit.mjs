// Writes `bytesPerSecond` of coloured log lines to stdout in 60 writes a second, like a busy
// build, for `seconds` (then exits: a stray emitter never outlives its benchmark for long).
const [bytesPerSecond = '65536', seconds = '60'] = process.argv.slice(2)
const perTick = Math.max(1, Math.round(Number(bytesPerSecond) / 60))
const colours = [31, 32, 33, 34, 35, 36]
let line = 0
function chunk() {
  let out = ''
  while (out.length < perTick) {
    const c = colours[line % colours.length]
    out += `\x1b[${c}m${String(line++).padStart(8, '0')}\x1b[0m compiling module ${'abcdefghij'.repeat(4)} ok\r\n`
  }
  return out.slice(0, perTick)
}
const start = Date.now()
let ticks = 0
function tick() {
  if (Date.now() - start > Number(seconds) * 1000) process.exit(0)
  ticks++
  process.stdout.write(chunk())
  // Schedule against the start time, so a slow write does not lower the rate.
  setTimeout(tick, Math.max(0, start + (ticks * 1000) / 60 - Date.now()))
}
process.stdout.on('error', () => process.exit(0))
tick()
