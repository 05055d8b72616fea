/**
 * Runs `run` and takes off the process listeners for `events` that it added (a
 * library's exit or signal handlers, say), leaving the ones that were there before.
 */
export async function withoutAddedListeners<T>(events: string[], run: () => Promise<T>): Promise<T> {
  const emitter: NodeJS.EventEmitter = process;
  const before = new Map(events.map((e) => [e, new Set(emitter.listeners(e))]));
  try {
    return await run();
  } finally {
    for (const e of events) for (const l of emitter.listeners(e)) if (!before.get(e)!.has(l)) emitter.off(e, l as () => void);
  }
}
