import { formatCost } from '../format'
import type { FleetSummary as Summary } from '../servers/fleetList'

interface Props {
  summary: Summary
  /** Filters the list to one state (a count was clicked). */
  onFilter: (query: string) => void
}

/** One line for the whole fleet: servers by state (each a filter), tasks running and queued, tokens and cost so far. */
export function FleetSummary({ summary, onFilter }: Props) {
  const counts: Array<[number, string, string, string]> = [
    [summary.ready, 'ready', 'state:ready', 'ok'],
    [summary.busy, 'busy', 'state:busy', 'busy'],
    [summary.unhealthy, 'unhealthy', 'state:unhealthy,restarting', 'bad'],
    [summary.failed, 'failed', 'state:failed', 'bad'],
    [summary.starting, 'starting', 'state:starting', 'busy'],
    [summary.stopped, 'stopped', 'state:stopped', 'muted'],
  ]
  return (
    <p className="fleet-summary" aria-label="Fleet summary">
      {counts.map(([n, label, query, tone]) =>
        n > 0 || label === 'ready' || label === 'busy' || label === 'unhealthy' || label === 'failed' ? (
          <button key={label} type="button" className={`summary-count tone-${n > 0 ? tone : 'none'}`} title={`Show only ${label} servers`} onClick={() => onFilter(query)}>
            {n} {label}
          </button>
        ) : null,
      )}
      <span className="summary-tasks">
        tasks {summary.running} running · {summary.queued} queued
      </span>
      <span className="summary-spend" title="Tokens and cost of finished tasks so far">
        {compactTokens(summary.tokens)} tokens · {formatCost(summary.cost)}
      </span>
    </p>
  )
}

function compactTokens(n: number): string {
  if (n >= 1_000_000) return `${(n / 1_000_000).toFixed(1)}M`
  if (n >= 10_000) return `${Math.round(n / 1000)}k`
  return String(n)
}
