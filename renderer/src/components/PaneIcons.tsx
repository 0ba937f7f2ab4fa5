/** The pane header's icons: 14 px line drawings in the text colour, hidden from screen readers (the buttons have names). */
const props = { width: 14, height: 14, viewBox: '0 0 16 16', fill: 'none', stroke: 'currentColor', strokeWidth: 1.6, strokeLinecap: 'round', strokeLinejoin: 'round', 'aria-hidden': true, focusable: false } as const

export const SearchIcon = () => (
  <svg {...props}>
    <circle cx="7" cy="7" r="4.5" />
    <path d="M10.5 10.5 14 14" />
  </svg>
)

export const ZoomIcon = () => (
  <svg {...props}>
    <path d="M2 6V2h4M10 2h4v4M14 10v4h-4M6 14H2v-4" />
  </svg>
)

export const UnzoomIcon = () => (
  <svg {...props}>
    <path d="M6 2v4H2M14 6h-4V2M10 14v-4h4M2 10h4v4" />
  </svg>
)

export const CloseIcon = () => (
  <svg {...props}>
    <path d="M4 4l8 8M12 4l-8 8" />
  </svg>
)
