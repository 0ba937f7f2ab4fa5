import { memo, useId, useMemo, useState } from 'react'
import { Decoration, Diff, Hunk, parseDiff, type FileData } from 'react-diff-view'
import type { ChangedFile, TaskDiff } from '../../../core/contract/tasks'
import { errorMessage } from '../api/client'
import { capHunks, diffTokens, LINES_PER_PAGE, lineCount } from '../results/diffTokens'
import { pairSections, splitPatch, languageFor, type PatchSection } from '../results/patch'
import { formatKB, truncationText } from '../results/resultFacts'
import { FILE_MAX_BYTES } from '../results/useTaskDiff'
import { useServices } from '../state/hooks'

/** A file's diff bigger than this starts collapsed (open it to see it). */
const COLLAPSE_CHARS = 60_000
/** Files past this many start collapsed. */
const OPEN_FILES = 20
/** A part that does not parse is shown as text, this much of it at most. */
const RAW_LIMIT = 200_000

type Single = { state: 'loading' } | { state: 'error'; error: string } | { state: 'done'; diff: TaskDiff }

/**
 * A result's diff, one collapsible part per file, syntax-coloured. Files past the size limit
 * (or cut by it) can be asked for one at a time (`tasks.diff` with `file`).
 */
export function ResultDiff({ taskId, diff }: { taskId: string; diff: TaskDiff }) {
  const { api } = useServices()
  const baseId = useId()
  const sections = useMemo(() => splitPatch(diff.patch, diff.truncated), [diff.patch, diff.truncated])
  const files = useMemo(() => pairSections(diff.files, sections), [diff.files, sections])
  const [single, setSingle] = useState<Record<string, Single>>({})
  const [toggled, setToggled] = useState<ReadonlySet<string>>(new Set())
  const cut = truncationText(diff)

  async function loadFile(path: string): Promise<void> {
    setSingle((s) => ({ ...s, [path]: { state: 'loading' } }))
    try {
      const one = await api['tasks.diff']({ id: taskId, file: path, maxBytes: FILE_MAX_BYTES })
      setSingle((s) => ({ ...s, [path]: { state: 'done', diff: one } }))
    } catch (error) {
      setSingle((s) => ({ ...s, [path]: { state: 'error', error: errorMessage(error) } }))
    }
  }

  const sectionId = (i: number) => `${baseId}-file-${i}`
  const openByDefault = (i: number, section: PatchSection | undefined) => i < OPEN_FILES && (section?.text.length ?? 0) <= COLLAPSE_CHARS
  const isOpen = (path: string, i: number, section: PatchSection | undefined) => openByDefault(i, section) !== toggled.has(path)
  const toggle = (path: string) =>
    setToggled((before) => {
      const next = new Set(before)
      if (!next.delete(path)) next.add(path)
      return next
    })
  function reveal(path: string, i: number, section: PatchSection | undefined): void {
    if (!isOpen(path, i, section)) toggle(path)
    document.getElementById(`${sectionId(i)}-head`)?.focus()
  }

  if (files.length === 0) return <p className="empty">The diff is empty.</p>
  return (
    <div className="result-diff">
      <table className="result-files" aria-label="Changed files">
        <tbody>
          {files.map(({ file, section }, i) => (
            <tr key={file.file}>
              <td>
                <StatusBadge file={file} />
              </td>
              <th scope="row">
                <button type="button" className="link" onClick={() => reveal(file.file, i, section)} title="Show this file’s diff">
                  {file.from && file.from !== file.file ? `${file.from} → ${file.file}` : file.file}
                </button>
              </th>
              <td className="num add">{file.binary ? '' : `+${file.additions}`}</td>
              <td className="num del">{file.binary ? 'binary' : `−${file.deletions}`}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {cut && (
        <p className="diff-truncated" role="note">
          {cut}. Files past the limit can be shown one at a time.
        </p>
      )}
      {files.map(({ file, section }, i) => {
        const loaded = single[file.file]
        const own = loaded?.state === 'done' ? splitPatch(loaded.diff.patch, loaded.diff.truncated)[0] : undefined
        const shown = own ?? section
        const open = isOpen(file.file, i, section)
        const bodyId = `${sectionId(i)}-body`
        return (
          <section key={file.file} className="diff-file" aria-label={`Diff of ${file.file}`}>
            <h5 className="diff-file-head">
              <button type="button" id={`${sectionId(i)}-head`} aria-expanded={open} aria-controls={bodyId} onClick={() => toggle(file.file)}>
                <span className="chevron" aria-hidden="true">
                  {open ? '▾' : '▸'}
                </span>
                <StatusBadge file={file} />
                <code>{file.from && file.from !== file.file ? `${file.from} → ${file.file}` : file.file}</code>
                <span className="add">{file.binary ? '' : `+${file.additions}`}</span>
                <span className="del">{file.binary ? 'binary' : `−${file.deletions}`}</span>
                {!open && (section?.text.length ?? 0) > COLLAPSE_CHARS && <span className="hint">large diff ({formatKB(section!.text.length)}): Enter to open</span>}
              </button>
            </h5>
            {open && (
              <div id={bodyId} className="diff-file-body">
                {loaded?.state === 'loading' && <p className="hint">Loading the diff of {file.file}…</p>}
                {loaded?.state === 'error' && (
                  <p className="form-error" role="alert">
                    Could not load the diff of {file.file}: {loaded.error}
                  </p>
                )}
                {shown ? <FileHunks section={shown} /> : !loaded && <p className="hint">Not in the diff shown: it was cut at the limit.</p>}
                {loaded?.state === 'done' && loaded.diff.truncated && <p className="diff-truncated">{truncationText(loaded.diff)}.</p>}
                {(!shown || (shown.partial && !own)) && loaded?.state !== 'loading' && (
                  <button type="button" onClick={() => void loadFile(file.file)}>
                    {shown ? `Show all of ${file.file}` : `Show the diff of ${file.file}`}
                  </button>
                )}
              </div>
            )}
          </section>
        )
      })}
    </div>
  )
}

function StatusBadge({ file }: { file: ChangedFile }) {
  const status = file.status ?? 'modified'
  const letter = { added: 'A', modified: 'M', deleted: 'D', renamed: 'R', copied: 'C', 'type-changed': 'T' }[status]
  return (
    <span className={`file-status file-${status}`} title={status}>
      {letter}
      <span className="visually-hidden"> {status}</span>
    </span>
  )
}

/** One file's hunks as a unified diff table; what does not parse is shown as plain text. */
const FileHunks = memo(function FileHunks({ section }: { section: PatchSection }) {
  const parsed = useMemo(() => parseSection(section), [section])
  const [limit, setLimit] = useState(LINES_PER_PAGE)
  const total = useMemo(() => (parsed ? lineCount(parsed.hunks) : 0), [parsed])
  const hunks = useMemo(() => (parsed ? capHunks(parsed.hunks, limit) : []), [parsed, limit])
  const tokens = useMemo(() => (parsed ? diffTokens(hunks, languageFor(section.path), section.text.length) : null), [parsed, hunks, section])
  if (!parsed) return <pre className="diff-raw">{section.text.length > RAW_LIMIT ? section.text.slice(0, RAW_LIMIT) : section.text}</pre>
  if (parsed.isBinary || parsed.hunks.length === 0) return <p className="hint">{parsed.isBinary ? 'Binary file: no text diff.' : modeOnly(section.text)}</p>
  return (
    <>
      <Diff viewType="unified" diffType={parsed.type} hunks={hunks} tokens={tokens} className="diff-table">
        {(hunks) =>
          hunks.flatMap((hunk) => [
            <Decoration key={`d${hunk.content}`}>
              <span className="hunk-head">{hunk.content}</span>
            </Decoration>,
            <Hunk key={`h${hunk.content}`} hunk={hunk} />,
          ])
        }
      </Diff>
      {total > limit && (
        <p className="diff-more">
          Showing {limit.toLocaleString('en')} of {total.toLocaleString('en')} lines{section.partial ? ' loaded (the rest was cut at the limit)' : ''}.{' '}
          <button type="button" onClick={() => setLimit((n) => n + LINES_PER_PAGE)}>
            Show {Math.min(LINES_PER_PAGE, total - limit).toLocaleString('en')} more lines
          </button>
        </p>
      )}
      {section.partial && total <= limit && <p className="diff-truncated">The diff of this file was cut here, at the limit ({formatKB(new TextEncoder().encode(section.text).length)} of it shown).</p>}
    </>
  )
})

function parseSection(section: PatchSection): FileData | null {
  try {
    const [file] = parseDiff(section.text)
    return file ?? null
  } catch {
    return null
  }
}

/** A file's diff with no hunks: a rename, copy or mode change only. */
function modeOnly(text: string): string {
  if (/^rename from /m.test(text)) return 'Renamed; its text did not change.'
  if (/^copy from /m.test(text)) return 'Copied; its text did not change.'
  const mode = /^new mode (\S+)/m.exec(text)
  return mode ? `Only its mode changed (now ${mode[1]}).` : 'No text changes.'
}
