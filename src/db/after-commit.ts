/** Runs a side effect (forgetting a cached copy) once a change has committed; the change's result passes through. */
export async function afterCommit<T>(change: Promise<T>, effect: () => void): Promise<T> {
  const result = await change
  effect()
  return result
}
