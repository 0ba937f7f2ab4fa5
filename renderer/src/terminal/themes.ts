import type { ITheme } from '@xterm/xterm'

/** Terminal colours for both schemes; the rest of the UI follows CSS variables in styles.css. */
export const darkTheme: ITheme = {
  background: '#0f1115',
  foreground: '#d8dee9',
  cursor: '#d8dee9',
  selectionBackground: '#3b4252',
  black: '#1d2026',
  red: '#f07178',
  green: '#a5d68a',
  yellow: '#f2c46d',
  blue: '#7aa7f0',
  magenta: '#c792ea',
  cyan: '#78d0dc',
  white: '#d8dee9',
}

export const lightTheme: ITheme = {
  background: '#fbfbfc',
  foreground: '#1f2328',
  cursor: '#1f2328',
  selectionBackground: '#c8d7f0',
  black: '#1f2328',
  red: '#c4242b',
  green: '#1f7a31',
  yellow: '#8a5a00',
  blue: '#1f5fbf',
  magenta: '#8e3aa8',
  cyan: '#0f6f7a',
  white: '#6e7781',
}

/** The scheme in force: the settings' choice, else the OS preference. */
export function isDark(): boolean {
  const forced = document.documentElement.dataset.theme
  if (forced === 'dark' || forced === 'light') return forced === 'dark'
  return typeof matchMedia === 'function' && matchMedia('(prefers-color-scheme: dark)').matches
}
