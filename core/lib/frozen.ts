/**
 * A deep copy of plain data (objects, arrays, primitives), frozen at every level. Snapshots
 * handed to other modules are frozen so no reader can change the owner's state, nor see it
 * change under them; strings are shared, not copied, so a large prompt costs nothing here.
 */
export function frozenCopy<T>(value: T): Readonly<T> {
  if (value === null || typeof value !== 'object') return value
  if (Array.isArray(value)) return Object.freeze(value.map((item) => frozenCopy(item))) as unknown as Readonly<T>
  const copy: Record<string, unknown> = {}
  for (const [key, item] of Object.entries(value)) if (item !== undefined) copy[key] = frozenCopy(item)
  return Object.freeze(copy) as Readonly<T>
}
