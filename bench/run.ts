// `npm run bench [name ...]`: runs the benchmarks (all by default) and prints their ratios.
// Each measures Flotilla and its baseline side by side in one run: these machines are shared
// and noisy, so only ratios from the same run mean anything.
import { coldStartBench } from './coldstart.bench'
import { dashboardBench } from './dashboard.bench'
import { dispatchBench } from './dispatch.bench'
import { echoBench } from './echo.bench'
import { fanoutColdBench } from './fanoutCold.bench'
import { fanoutWarmBench } from './fanoutWarm.bench'
import { gridBench } from './grid.bench'
import { relayBench } from './relay.bench'
import { spawnBench } from './spawn.bench'
import { taskOverheadBench } from './taskOverhead.bench'
import { tunnelBench } from './tunnel.bench'
import { workspaceBench } from './workspace.bench'

const benches: Record<string, () => Promise<string[]>> = {
  spawn: spawnBench,
  relay: relayBench,
  dispatch: dispatchBench,
  echo: echoBench,
  coldstart: coldStartBench,
  grid: gridBench,
  dashboard: dashboardBench,
  tunnel: tunnelBench,
  task: taskOverheadBench,
  cold: fanoutColdBench,
  warm: fanoutWarmBench,
  workspace: workspaceBench,
}

async function main(): Promise<void> {
  const wanted = process.argv.slice(2)
  const unknown = wanted.filter((w) => !benches[w])
  if (unknown.length) {
    console.error(`unknown benchmark ${unknown.join(', ')}; expected one of ${Object.keys(benches).join(', ')}`)
    process.exit(2)
  }
  for (const name of wanted.length ? wanted : Object.keys(benches)) {
    for (const line of await benches[name]!()) console.log(line)
  }
}

await main()
