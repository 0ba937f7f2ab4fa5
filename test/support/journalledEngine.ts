// A Flotilla engine in a process of its own, to be killed (-9) mid-run by a test: it keeps a
// task journal, attaches the opencode server at FLOTILLA_TEST_URL (password in
// FLOTILLA_TEST_PASSWORD), submits the prompt given as argv[3], and prints each change of the
// task as one JSON line.
import { Engine } from '../../core/host/engine'

const [journalPath, prompt] = process.argv.slice(2)
if (!journalPath || !prompt) throw new Error('usage: journalledEngine.ts JOURNAL PROMPT')
const engine = await Engine.create({ journalPath, restoreTasks: true })
await engine.addServer(
  { kind: 'url', id: 'shared', name: 'shared', capacity: 1, baseUrl: process.env.FLOTILLA_TEST_URL! },
  { password: process.env.FLOTILLA_TEST_PASSWORD, start: true },
)
engine.scheduler.on('task', (task) => process.stdout.write(JSON.stringify({ state: task.state, sessionId: task.sessionId }) + '\n'))
engine.scheduler.submit([{ prompt, target: { kind: 'any' }, priority: 0 }])
