import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { opencodeInstallCommand, resolveOpencodeBinary } from '../../core/launchers/opencodeBinary'

// A package registry on 127.0.0.1 for a real `npm install` in tests (tests never reach the
// public registry). It serves one package, one version, built from the files given.

export interface PackageFile {
  content: string
  executable?: boolean
}

export interface LocalRegistry {
  /** http://127.0.0.1:PORT/ — what npm_config_registry is set to. */
  url: string
  /** Paths npm asked for, in order (proof the install went through here). */
  requests: string[]
  stop(): Promise<void>
}

export async function startNpmRegistry(pkg: { name: string; version: string; manifest?: Record<string, unknown>; files: Record<string, PackageFile> }): Promise<LocalRegistry> {
  if (!/^[a-z0-9-]+$/.test(pkg.name)) throw new Error(`expected an unscoped package name, got "${pkg.name}"`)
  const work = mkdtempSync(join(tmpdir(), 'flotilla-registry-'))
  try {
    const root = join(work, 'package')
    mkdirSync(root)
    const manifest = { name: pkg.name, version: pkg.version, ...pkg.manifest }
    writeFileSync(join(root, 'package.json'), JSON.stringify(manifest, null, 2))
    for (const [path, file] of Object.entries(pkg.files)) {
      mkdirSync(join(root, path, '..'), { recursive: true })
      writeFileSync(join(root, path), file.content)
      if (file.executable) chmodSync(join(root, path), 0o755)
    }
    const tgzPath = join(work, 'package.tgz')
    execFileSync('tar', ['-czf', tgzPath, '-C', work, 'package'])
    const tarball = readFileSync(tgzPath)
    const tarballPath = `/${pkg.name}/-/${pkg.name}-${pkg.version}.tgz`
    const requests: string[] = []
    let url = ''
    const server: Server = createServer((req, res) => {
      const path = decodeURIComponent((req.url ?? '/').split('?')[0]!)
      requests.push(path)
      if (req.method === 'GET' && path === `/${pkg.name}`) {
        const version = {
          ...manifest,
          dist: {
            tarball: `${url}${tarballPath.slice(1)}`,
            shasum: createHash('sha1').update(tarball).digest('hex'),
            integrity: `sha512-${createHash('sha512').update(tarball).digest('base64')}`,
          },
        }
        const packument = { name: pkg.name, 'dist-tags': { latest: pkg.version }, versions: { [pkg.version]: version } }
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(packument))
      } else if (req.method === 'GET' && path === tarballPath) {
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': tarball.length }).end(tarball)
      } else {
        res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}')
      }
    })
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', () => resolve()))
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`
    return {
      url,
      requests,
      stop: async () => {
        server.closeAllConnections()
        await new Promise<void>((resolve) => server.close(() => resolve()))
        rmSync(work, { recursive: true, force: true })
      },
    }
  } catch (error) {
    rmSync(work, { recursive: true, force: true })
    throw error
  }
}

/**
 * A registry serving `opencode-ai` at the version Flotilla installs, for a real
 * `npm install -g` in tests. The package is a stand-in: the real one carries a 177 MB binary,
 * so its bin execs the opencode binary this machine already has. `env` points a "remote"
 * machine's npm at it, with a global folder of its own (`globalBin`) that is not on its PATH.
 */
export async function startOpencodeRegistry(dir: string): Promise<LocalRegistry & { command: string; env: Record<string, string>; globalBin: string }> {
  const command = opencodeInstallCommand()
  const version = /opencode-ai@(\S+)$/.exec(command)?.[1]
  if (!version) throw new Error(`expected an install command pinned to a version, got "${command}"`)
  const registry = await startNpmRegistry({
    name: 'opencode-ai',
    version,
    manifest: { bin: { opencode: 'bin/opencode' } },
    files: { 'bin/opencode': { content: `#!/bin/sh\nexec ${resolveOpencodeBinary()} "$@"\n`, executable: true } },
  })
  const env = { npm_config_registry: registry.url, npm_config_prefix: join(dir, 'global'), npm_config_cache: join(dir, 'cache'), npm_config_update_notifier: 'false', npm_config_audit: 'false', npm_config_fund: 'false' }
  return { ...registry, command, env, globalBin: join(dir, 'global', 'bin') }
}
