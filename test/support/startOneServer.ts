// Test helper process: starts one local opencode server, prints its pid, then waits to be
// killed (see test/launchers/local.test.ts, "no orphan when Flotilla is SIGKILLed").
import { LocalLauncher } from '../../core/launchers/local'

const directory = process.argv[2]!
const server = await new LocalLauncher().start({ kind: 'local', id: 'orphan', name: 'orphan', capacity: 1, directory, demo: false }, {})
process.stdout.write(`pid=${server.pid}\n`)
setInterval(() => {}, 60_000)
