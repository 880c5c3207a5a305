/**
 * The local stand-in for the stack's schedules (EventBridge Scheduler → probe, Secrets Manager's rotation
 * schedule, the sweep sent to each rotation Lambda): one timer that runs `tick` every `everyMs`, never two
 * ticks at once (a slow tick skips the next slot instead of piling up).
 */
export interface Scheduler {
  /** Clears the timer; a tick already running finishes on its own. */
  stop(): void;
}

export function startScheduler(options: {
  readonly everyMs: number;
  readonly tick: () => Promise<unknown>;
  readonly onError: (error: unknown) => void;
}): Scheduler {
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    options
      .tick()
      .catch(options.onError)
      .finally(() => {
        busy = false;
      });
  }, options.everyMs);
  return { stop: () => clearInterval(timer) };
}
