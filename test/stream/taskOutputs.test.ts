import { describe, expect, it } from 'vitest'
import { TASK_OUTPUT_LIMITS, TaskOutputs } from '../../core/stream/taskOutputs'

describe('TaskOutputs', () => {
  it('keeps the text of the most recent tasks only, dropping the one written to longest ago', () => {
    const outputs = new TaskOutputs({ maxTasks: 3, maxCharsPerTask: 100 })
    for (const id of ['t1', 't2', 't3']) outputs.append(id, `${id} `)
    outputs.append('t1', 'again') // t1 is recent again: t2 is now the oldest
    outputs.append('t4', 'new')
    expect(outputs.get('t2')).toBe('')
    expect(outputs.taskCount).toBe(3)
    expect(outputs.get('t1')).toBe('t1 again')
    expect(outputs.get('t3')).toBe('t3 ')
    expect(outputs.get('t4')).toBe('new')
  })

  it('never holds more than its cap of tasks however many write', () => {
    const outputs = new TaskOutputs()
    for (let i = 0; i < 1_000; i++) outputs.append(`t${i}`, 'x'.repeat(10))
    expect(outputs.get('t0')).toBe('')
    expect(outputs.get('t999')).toBe('x'.repeat(10))
    expect(outputs.taskCount).toBe(TASK_OUTPUT_LIMITS.maxTasks)
  })

  it('keeps the newest characters of each task within its size cap', () => {
    const outputs = new TaskOutputs({ maxTasks: 2, maxCharsPerTask: 5 })
    outputs.append('t1', 'abc')
    outputs.append('t1', 'defg')
    expect(outputs.get('t1')).toBe('cdefg')
  })
})
