import { randomBytes } from 'node:crypto'
import { afterAll, expect } from 'vitest'
import { MARKER, markedProcesses } from './leftovers'

// Runs before each test file (vitest setupFiles). Every process the file starts inherits a
// fresh marker; after the file, none may still be alive. Stragglers are killed by pid (so one
// failing file does not poison the next) and the file fails.
const mark = randomBytes(6).toString('hex')
process.env[MARKER] = mark

afterAll(async () => {
  // Stopping servers is asynchronous (SIGTERM, grace, SIGKILL); give the last ones a moment.
  const deadline = Date.now() + 8_000
  let left = markedProcesses(mark)
  while (left.length > 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 200))
    left = markedProcesses(mark)
  }
  for (const { pid } of left) {
    try {
      process.kill(pid, 'SIGKILL')
    } catch {
      // already gone
    }
  }
  expect(left, 'processes started by this test file are still running').toEqual([])
}, 15_000)
