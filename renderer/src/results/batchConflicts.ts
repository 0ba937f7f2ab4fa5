import { useEffect, useMemo, useRef, useState } from 'react'
import type { Result } from '../../../core/contract/api'
import type { TaskView } from '../../../core/contract/tasks'
import { useServices } from '../state/hooks'

export type ConflictPairs = Result<'tasks.conflicts'>

/** One submit's results to compare: ids in submit order, and a key that changes when any of them does. */
export interface Batch {
  batchId: string
  ids: string[]
  key: string
}

/** A result with commits that nothing has decided on yet (not landed, not discarded). */
const comparable = (t: TaskView) => t.state === 'completed' && t.result?.isolation === 'worktree' && Boolean(t.result.headSha) && !t.result.discarded

/**
 * The batches worth asking tasks.conflicts about: at least two completed worktree results of one
 * submit and none of that submit landed yet (after a landing, the merge check against the target
 * says what conflicts). Max 100 ids per batch, as the contract allows.
 */
export function conflictBatches(tasks: readonly TaskView[]): Batch[] {
  const byBatch = new Map<string, TaskView[]>()
  for (const t of tasks) {
    if (!t.batchId) continue
    const list = byBatch.get(t.batchId) ?? []
    list.push(t)
    byBatch.set(t.batchId, list)
  }
  const batches: Batch[] = []
  for (const [batchId, members] of byBatch) {
    if (members.some((t) => t.result?.land?.status === 'landed')) continue
    // The tasks list is newest first: submit order is oldest first.
    const results = members.filter(comparable).sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id)).slice(0, 100)
    if (results.length < 2) continue
    batches.push({ batchId, ids: results.map((t) => t.id), key: results.map((t) => `${t.id}:${t.result?.headSha}`).join(',') })
  }
  return batches
}

/** Pairs by task: each task's list of the others it would conflict with, and in which files. */
export function conflictsByTask(pairs: ConflictPairs): Map<string, Array<{ otherId: string; files: string[] }>> {
  const map = new Map<string, Array<{ otherId: string; files: string[] }>>()
  const add = (id: string, otherId: string, files: string[]) => map.set(id, [...(map.get(id) ?? []), { otherId, files }])
  for (const { a, b, files } of pairs) {
    add(a, b, files)
    add(b, a, files)
  }
  return map
}

/**
 * Which results of one submit would conflict with each other, asked of the engine for every
 * batch that qualifies, and again whenever one of its results changes. A batch that stops
 * qualifying (one landed, one discarded) drops its answer.
 */
export function useBatchConflicts(tasks: readonly TaskView[]): Map<string, Array<{ otherId: string; files: string[] }>> {
  const { api } = useServices()
  const batches = conflictBatches(tasks)
  const signature = batches.map((b) => `${b.batchId}=${b.key}`).join(';')
  const [answers, setAnswers] = useState<Record<string, { key: string; pairs: ConflictPairs }>>({})
  const asked = useRef(new Map<string, string>())

  useEffect(() => {
    const live = new Set(batches.map((b) => b.batchId))
    for (const batch of batches) {
      if (asked.current.get(batch.batchId) === batch.key) continue
      asked.current.set(batch.batchId, batch.key)
      api['tasks.conflicts']({ ids: batch.ids }).then(
        (pairs) => asked.current.get(batch.batchId) === batch.key && setAnswers((all) => ({ ...all, [batch.batchId]: { key: batch.key, pairs } })),
        // Not known is not "no conflicts": the answer is dropped and asked again at the next change.
        () => asked.current.get(batch.batchId) === batch.key && asked.current.delete(batch.batchId),
      )
    }
    for (const id of [...asked.current.keys()]) if (!live.has(id)) asked.current.delete(id)
    setAnswers((all) => (Object.keys(all).every((id) => live.has(id)) ? all : Object.fromEntries(Object.entries(all).filter(([id]) => live.has(id)))))
  }, [api, signature]) // `signature` is the batches' identity

  return useMemo(() => {
    const current = new Map(batches.map((b) => [b.batchId, b.key]))
    // Only answers for the batch as it is now: a stale one could name a file no longer in conflict.
    return conflictsByTask(Object.entries(answers).flatMap(([id, answer]) => (current.get(id) === answer.key ? answer.pairs : [])))
  }, [answers, signature])
}
