import type { CompareEntry } from '../contract/tasks'

/** What ranking needs to know of one result (the host gathers it: the task, and git for `merges`). */
export type RankFacts = Omit<CompareEntry, 'rank' | 'reason'>

/**
 * The order results of one prompt are ranked in, best first; each key decides only where every
 * key before it tied. A result that changed nothing is below every one that did, whatever else
 * it did (there is nothing to land), and a task that did not complete is below both. Then the project's own checks: verify passed, then no
 * verify, then failed; then merging cleanly into the target now; then the smaller diff (less to
 * review); then faster; then cheaper.
 */
export const RANKING_RULE = 'changed something, verify passed, merges cleanly, smaller diff, faster, cheaper'

interface Key {
  /** Lower is better. */
  score(f: RankFacts): number
  /** What puts `worse` below `better` (ranked #ref) when this key decides. */
  says(better: RankFacts, worse: RankFacts, ref: number): string
}

const VERIFY_SCORE = { passed: 0, none: 1, failed: 2 } as const
const MERGE_SCORE = (m: RankFacts['merges']) => (m === true ? 0 : m === undefined ? 1 : 2)
const verifyWord = (v: RankFacts['verify']) => (v === 'none' ? 'has no verify' : `verify ${v}`)
const mergeWord = (m: RankFacts['merges']) => (m === true ? 'merges cleanly' : m === false ? 'conflicts with its target' : 'merge not known')
const seconds = (ms: number | undefined) => (ms === undefined ? '?' : `${(ms / 1000).toFixed(1)} s`)
const dollars = (c: number) => `$${c.toFixed(4)}`

const KEYS: Key[] = [
  {
    score: (f) => (f.state !== 'completed' ? 2 : f.diffLines + f.files > 0 ? 0 : 1),
    says: (_b, w) => (w.state !== 'completed' ? w.state : 'changed nothing'),
  },
  { score: (f) => VERIFY_SCORE[f.verify], says: (b, w, ref) => `${verifyWord(w.verify)}, #${ref}'s ${b.verify === 'none' ? 'has none' : b.verify}` },
  { score: (f) => MERGE_SCORE(f.merges), says: (b, w, ref) => `${mergeWord(w.merges)}, #${ref} ${mergeWord(b.merges)}` },
  { score: (f) => f.diffLines, says: (b, w) => `larger diff (${w.diffLines} lines vs ${b.diffLines})` },
  { score: (f) => f.durationMs ?? Number.POSITIVE_INFINITY, says: (b, w) => `slower (${seconds(w.durationMs)} vs ${seconds(b.durationMs)})` },
  { score: (f) => f.cost, says: (b, w) => `dearer (${dollars(w.cost)} vs ${dollars(b.cost)})` },
]

function compare(a: RankFacts, b: RankFacts): { order: number; key?: Key } {
  for (const key of KEYS) {
    const d = key.score(a) - key.score(b)
    if (d !== 0) return { order: d, key }
  }
  return { order: 0 }
}

/**
 * Ranks the results, 1 = best, each with the reason for its place: what put it below the one
 * above it (for the first, what put it above the second). Ties keep the given order (submit
 * order) and say so. Pure: the same facts give the same ranking.
 */
export function rankResults(facts: readonly RankFacts[]): CompareEntry[] {
  const sorted = facts.map((f, i) => ({ f, i })).sort((a, b) => compare(a.f, b.f).order || a.i - b.i)
  return sorted.map(({ f }, index) => {
    const rank = index + 1
    let reason: string
    if (index === 0) {
      const next = sorted[1]?.f
      const decided = next && compare(f, next).key
      reason = !next ? 'the only result' : decided ? `best (#2: ${decided.says(f, next, 1)})` : 'best, tied with #2 (submitted first)'
    } else {
      const above = sorted[index - 1]!.f
      const decided = compare(above, f).key
      reason = decided ? `below #${index}: ${decided.says(above, f, index)}` : `tied with #${index} (submitted later)`
    }
    return { ...f, rank, reason }
  })
}
