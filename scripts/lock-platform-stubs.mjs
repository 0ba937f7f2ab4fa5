#!/usr/bin/env node
// The npm registry reachable from these machines serves only this platform's builds, so
// `npm install` cannot record the other platforms' optional packages (e.g. opencode-darwin-arm64)
// and a later `npm ci` refuses the lock as "Missing: ... from lock file". This adds a version-only,
// optional entry for each missing one: npm ci then sees the lock as complete, and an optional
// package for a foreign platform is skipped (os/cpu mismatch or a failed optional fetch).
// Run after `npm install` changes dependencies: `node scripts/lock-platform-stubs.mjs`.
import { readFileSync, writeFileSync } from 'node:fs'

const lockPath = new URL('../package-lock.json', import.meta.url)
const lock = JSON.parse(readFileSync(lockPath, 'utf8'))
const pkgs = lock.packages
let added = 0
for (const [path, entry] of Object.entries(pkgs)) {
  for (const [name, range] of Object.entries(entry.optionalDependencies ?? {})) {
    const here = `${path ? path + '/' : ''}node_modules/${name}`
    if (pkgs[here] || pkgs[`node_modules/${name}`]) continue
    const version = String(range).replace(/^[\^~=]/, '')
    const stub = { version, optional: true }
    if (entry.dev) stub.dev = true
    if (entry.devOptional) stub.devOptional = true
    pkgs[`node_modules/${name}`] = stub
    added++
  }
}
lock.packages = Object.fromEntries(Object.entries(pkgs).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a < b ? -1 : 1)))
writeFileSync(lockPath, JSON.stringify(lock, null, 2) + '\n')
console.log(`lock-platform-stubs: added ${added} optional platform entries`)
