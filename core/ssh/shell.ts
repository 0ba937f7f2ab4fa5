/** One argument for a POSIX shell, whatever it contains: single-quoted, with ' spelled '\''. */
export function shQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`
}
