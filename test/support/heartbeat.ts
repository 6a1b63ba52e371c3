/** A heartbeat for a test: a running daemon's, with nothing going on, and `o` over it. */
import type { Heartbeat } from '../../src/domain/heartbeat.ts';

export function beat(o: Partial<Heartbeat> = {}): Heartbeat {
  return {
    pid: 1,
    host: 'h',
    version: 't',
    phase: 'running',
    emulator: false,
    started_at: '',
    beat_at: 100_000,
    heartbeat_ms: 10_000,
    running: null,
    last_poll: null,
    next_poll_at: null,
    queue_depth: 0,
    inbox_waiting: 0,
    problems: [],
    ...o,
  };
}
