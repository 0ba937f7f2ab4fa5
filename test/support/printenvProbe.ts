import { expect } from 'vitest'
import type { Harness } from './harness'
import { PRINTENV_PROBE_PROMPT } from './secretProbe'

/** Runs the printenv probe on a server of the harness: the task shows neither a LEAK marker nor the password. */
export async function expectPrintenvProbeClean(h: Harness, serverId: string): Promise<void> {
  const password = h.engine.fleet.get(serverId).instance!.auth!.password
  const [task] = await h.submit([{ prompt: PRINTENV_PROBE_PROMPT, target: { kind: 'server', serverId } }])
  const [done] = await h.waitTasks([task!.id])
  expect(done!.result?.text, done!.error).toBe('probe done')
  const output = h.engine.outputs.get(task!.id)
  expect(output).toContain('PROBED')
  expect(output).not.toMatch(/^\s*LEAK-printenv\s*$/m)
  expect(output).not.toContain(password)
}
