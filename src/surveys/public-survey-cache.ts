/**
 * Surveys as intake reads them, kept for one second. Intake reads the same few surveys thousands of times a second;
 * a change made through this process (edit, publish, close) forgets its entry once committed, and other app nodes
 * see the change within the second. Keys are survey ids (UUIDs), unique across databases.
 */
import { LRUCache } from 'lru-cache'

const TTL_MS = 1000
const surveys = new LRUCache<string, object>({ max: 1000, ttl: TTL_MS })

export async function rememberedSurvey<T extends object>(id: string, load: () => Promise<T>): Promise<T> {
  const hit = surveys.get(id) as T | undefined
  if (hit) return hit
  const fresh = await load()
  surveys.set(id, fresh)
  return fresh
}

export function forgetSurvey(id: string): void {
  surveys.delete(id)
}
