/**
 * Spending limits of batches (`flotilla run --max-cost`, `tasks.submit {maxCost}`): a queued task
 * of a batch whose tasks have cost that much already is not started. What counts is the cost of
 * the batch's finished attempts (opencode reports a turn's cost when it ends), so the running
 * ones may take it past the limit: the limit stops new spending, it cannot take back the rest.
 */
export class BatchBudgets {
  private readonly limits = new Map<string, number>()

  set(batchId: string, maxCost: number): void {
    if (!(maxCost > 0) || !Number.isFinite(maxCost)) throw new Error(`expected a cost limit above 0 USD, got ${maxCost}`)
    this.limits.set(batchId, maxCost)
  }

  /** Why a task of this batch must not start now that it has cost `spent`, or undefined. */
  refusal(batchId: string | undefined, spent: number): string | undefined {
    const limit = batchId === undefined ? undefined : this.limits.get(batchId)
    if (limit === undefined || spent < limit) return undefined
    return `not started: its group has cost $${spent.toFixed(4)} so far, its limit is $${limit.toFixed(4)} (--max-cost)`
  }

  has(batchId: string | undefined): boolean {
    return batchId !== undefined && this.limits.has(batchId)
  }

  /** A batch with nothing left to start needs no limit any more (keeps this bounded by live batches). */
  forget(batchId: string): void {
    this.limits.delete(batchId)
  }

  batches(): string[] {
    return [...this.limits.keys()]
  }
}
