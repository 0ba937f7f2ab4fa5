import { statSync } from 'node:fs'

/**
 * Why `directory` cannot be a server's folder on this machine, or undefined when it can. Checked
 * before anything is spawned: a spawn into a missing folder fails with a bare ENOENT that names
 * the program (`spawn /bin/sh ENOENT`), not the folder that is really missing.
 */
export function localDirectoryProblem(directory: string): string | undefined {
  let stat
  try {
    stat = statSync(directory)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT' || code === 'ENOTDIR') return `the directory ${directory} does not exist`
    if (code === 'EACCES') return `the directory ${directory} cannot be read (permission denied)`
    return `the directory ${directory} cannot be used (${code ?? String(error)})`
  }
  return stat.isDirectory() ? undefined : `${directory} is not a directory`
}
