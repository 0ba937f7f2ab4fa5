/** Links (and image links) are kept only for http(s) and mailto; javascript:, data:, relative: none. */
export function safeHref(href: string): string | undefined {
  return /^(https?:\/\/|mailto:)/i.test(href.trim()) ? href.trim() : undefined
}
