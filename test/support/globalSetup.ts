import { resolveOpencodeBinary } from '../../core/launchers/opencodeBinary'

// Integration tests need the real opencode binary (npm opencode-ai). Missing, they must fail
// loudly rather than skip: resolve it once up front so the reason is the first thing printed.
export default function setup(): void {
  const binary = resolveOpencodeBinary()
  process.env.FLOTILLA_TEST_OPENCODE = binary
}
