import type { ITheme } from '@xterm/xterm'

/**
 * Terminal colours for both schemes; the rest of the UI follows CSS variables in styles.css.
 * All sixteen are set (xterm's defaults for the bright ones include white on a light page):
 * every colour but the dark scheme's black (a background colour there) reaches 4.5:1 against
 * the background (test/renderer/terminalThemes.test.ts). Coloured backgrounds (ls's sticky and
 * other-writable folders: blue on green, white on blue) cannot all be made readable by a palette
 * that must also work on the page's background, so xterm's minimumContrastRatio (below) lifts a
 * cell's colour where its own background leaves too little contrast, as VS Code's terminal does.
 */
export const darkTheme: ITheme = {
  background: '#0f1115',
  foreground: '#d8dee9',
  cursor: '#d8dee9',
  selectionBackground: '#3b4252',
  black: '#2a2e36',
  red: '#f07178',
  green: '#a5d68a',
  yellow: '#f2c46d',
  blue: '#7aa7f0',
  magenta: '#c792ea',
  cyan: '#78d0dc',
  white: '#d8dee9',
  brightBlack: '#7d849e',
  brightRed: '#ff7b86',
  brightGreen: '#c3e88d',
  brightYellow: '#ffd68a',
  brightBlue: '#9cbcff',
  brightMagenta: '#dcb0f5',
  brightCyan: '#9ae4ff',
  brightWhite: '#ffffff',
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
  white: '#636b74',
  brightBlack: '#57606a',
  brightRed: '#a40e26',
  brightGreen: '#116329',
  brightYellow: '#7d4e00',
  brightBlue: '#0550ae',
  brightMagenta: '#6639ba',
  brightCyan: '#17707a',
  brightWhite: '#4d545c',
}

/** xterm lifts a foreground to this contrast against its cell's background (half for dim text). */
export const MINIMUM_CONTRAST_RATIO = 4.5

/** The scheme in force: the settings' choice, else the OS preference. */
export function isDark(): boolean {
  const forced = document.documentElement.dataset.theme
  if (forced === 'dark' || forced === 'light') return forced === 'dark'
  return typeof matchMedia === 'function' && matchMedia('(prefers-color-scheme: dark)').matches
}
