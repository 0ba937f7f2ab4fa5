// Runs as an unprivileged user (see test/launchers/serverSecrets.test.ts): a harness with one
// local demo server whose agent runs the secret probe. Prints one JSON line with what the test
// checks, keeps the server up until its stdin ends, then stops everything.
import { once } from 'node:events'
import { startHarness } from './harness'
import { SECRET_PROBE_PROMPT } from './secretProbe'

const h = await startHarness(1)
try {
  const server = h.engine.fleet.get('local-1')
  const instance = server.instance!
  const [task] = await h.submit([{ prompt: SECRET_PROBE_PROMPT, target: { kind: 'server', serverId: 'local-1' } }])
  const [done] = await h.waitTasks([task!.id])
  // The tool's output straight from opencode, before anything of Flotilla's could touch it.
  const messages = await server.client!.messages(done!.sessionId!, h.project)
  process.stdout.write(
    JSON.stringify({
      password: instance.auth!.password,
      baseUrl: instance.baseUrl,
      pid: instance.pid,
      state: done!.state,
      error: done!.error,
      result: done!.result?.text,
      output: h.engine.outputs.get(task!.id),
      tools: messages.flatMap((m) => m.parts).map((part) => part.state?.output ?? '').join('\n'),
    }) + '\n',
  )
  process.stdin.resume()
  await once(process.stdin, 'end')
} finally {
  await h.close()
}
