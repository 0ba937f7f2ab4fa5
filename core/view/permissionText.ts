import { sanitizeTerminalText } from './terminalText'

/** A permission request as opencode sends it (untrusted: the model chose the command). */
export interface PermissionAsk {
  /** What kind of permission: bash, edit, webfetch, ... */
  permission: string
  /** The exact command that will run, when the request is for one (bash). */
  command?: string
  /** What opencode matches the request against: for bash, one per simple command. */
  patterns: readonly string[]
  /** What "Always" allows from then on (for bash, e.g. `echo *`). */
  always?: readonly string[]
}

/** opencode 1.18 puts the exact bash command in the request's `metadata.command`. */
export function permissionCommand(metadata: Readonly<Record<string, unknown>> | undefined): string | undefined {
  const command = metadata?.command
  return typeof command === 'string' ? command : undefined
}

/**
 * What is asked for, verbatim: the exact command when there is one. Patterns are a parse of the
 * command (`a && b` gives `a` and `b`), so joined they read like another command: never for bash.
 */
export function permissionSubject(ask: PermissionAsk): string {
  return ask.command ?? ask.patterns.join(', ')
}

/** At most this many lines of a command in a pane; the inbox always shows all of it. */
const MAX_COMMAND_LINES = 40

/**
 * The request for a terminal, uncoloured and safe to print: a head line, then the command (or
 * the patterns) one line each, then what "Always" would allow. Nothing is flattened or cut
 * mid-line, so what is read is what will run.
 */
export function permissionLines(ask: PermissionAsk): { head: string; subject: string[]; always?: string } {
  const lines = ask.command !== undefined ? sanitizeTerminalText(ask.command).replace(/\n+$/, '').split('\n') : ask.patterns.map((p) => sanitizeTerminalText(p))
  const subject = lines.slice(0, MAX_COMMAND_LINES)
  if (lines.length > MAX_COMMAND_LINES) subject.push(`… ${lines.length - MAX_COMMAND_LINES} more lines (the inbox shows all)`)
  return {
    head: `permission needed: ${sanitizeTerminalText(ask.permission)}`,
    subject,
    always: ask.always?.length ? `"Always" allows from now on: ${alwaysPatterns(ask.always)}` : undefined,
  }
}

/** Each pattern quoted, so `echo *` and a pattern that itself holds a comma stay distinct. */
function alwaysPatterns(always: readonly string[]): string {
  return always.map((p) => JSON.stringify(sanitizeTerminalText(p))).join(', ')
}
