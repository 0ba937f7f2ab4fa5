// Prints one closing line, "N passed, N failed, N skipped", from the vitest and Playwright JSON
// reports. A missing report counts as a failure: that suite never finished.
const fs = require('fs')
let passed = 0
let failed = 0
let skipped = 0
const read = (file) => (fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : undefined)
const vitest = read('test-results/vitest.json')
if (vitest) {
  passed += vitest.numPassedTests
  failed += vitest.numFailedTests
  skipped += vitest.numPendingTests + vitest.numTodoTests
} else failed++
const pw = read('test-results/playwright.json')
if (pw) {
  passed += pw.stats.expected + pw.stats.flaky
  failed += pw.stats.unexpected
  skipped += pw.stats.skipped
} else failed++
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`)
