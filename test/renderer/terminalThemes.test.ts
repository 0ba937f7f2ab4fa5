import { describe, expect, it } from 'vitest'
import { contrastRatio } from '../../renderer/src/terminal/contrast'
import { darkTheme, lightTheme, MINIMUM_CONTRAST_RATIO } from '../../renderer/src/terminal/themes'

const COLOURS = ['foreground', 'black', 'red', 'green', 'yellow', 'blue', 'magenta', 'cyan', 'white', 'brightBlack', 'brightRed', 'brightGreen', 'brightYellow', 'brightBlue', 'brightMagenta', 'brightCyan', 'brightWhite'] as const

describe('terminal palettes (issue 12)', () => {
  it('contrast ratio is WCAG’s', () => {
    expect(contrastRatio('#000000', '#ffffff')).toBeCloseTo(21, 5)
    expect(contrastRatio('#777777', '#777777')).toBe(1)
  })

  for (const [name, theme] of [['dark', darkTheme], ['light', lightTheme]] as const) {
    it(`${name}: all sixteen colours are set and readable on the background (4.5:1; black is a background colour in the dark one)`, () => {
      for (const key of COLOURS) {
        const colour = theme[key]
        expect(colour, key).toMatch(/^#[0-9a-f]{6}$/)
        if (name === 'dark' && key === 'black') continue
        expect(contrastRatio(colour!, theme.background!), `${key} ${colour}`).toBeGreaterThanOrEqual(4.5)
      }
    })
  }

  it('coloured cell backgrounds (ls: blue on green, white on blue) are left to xterm’s minimum contrast, at 4.5', () => {
    // No palette that also works on the page's background makes these readable by itself:
    expect(contrastRatio(lightTheme.blue!, lightTheme.green!)).toBeLessThan(3)
    expect(MINIMUM_CONTRAST_RATIO).toBeGreaterThanOrEqual(4.5)
  })
})
