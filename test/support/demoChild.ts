// A process holding a demo runtime (scripted model + temp folder) until it is killed; prints
// the folder's path once it exists. For tests of what a crash leaves behind.
import { DemoRuntime } from '../../core/demo/demoRuntime'

const demo = await DemoRuntime.start()
process.stdout.write(demo.root + '\n')
setInterval(() => {}, 60_000)
