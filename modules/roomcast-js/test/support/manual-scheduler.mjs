// A clock and timers the test steps by hand (the client's `scheduler` option): nothing the client
// schedules runs until advance() reaches its time, so delays, timeouts and the heartbeat are chosen
// by the test, not by the machine. Scheduling a call bumps until() waiters, so a test can wait for
// the client to have scheduled something (e.g. a retry after a reply it read from the socket).
import { bump } from './until.mjs';

export class ManualScheduler {
  /** The current time, ms. */
  time = 0;
  /** Scheduled calls not run or cancelled yet. */
  tasks = [];
  seq = 0;

  now() {
    return this.time;
  }

  after(delayMs, fn) {
    const task = { at: this.time + delayMs, seq: this.seq++, fn };
    this.tasks.push(task);
    bump();
    return { cancel: () => { this.tasks = this.tasks.filter((t) => t !== task); } };
  }

  /** Moves the clock `ms` forward, running each call that falls due, in order of time. */
  advance(ms) {
    const end = this.time + ms;
    for (let ran = 0; ; ran++) {
      if (ran > 10_000) throw new Error(`over 10 000 calls fell due within ${ms} ms: a timer that reschedules itself without delay?`);
      const due = this.tasks.filter((t) => t.at <= end).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!due) break;
      this.tasks = this.tasks.filter((t) => t !== due);
      this.time = due.at;
      due.fn();
    }
    this.time = end;
  }

  /** Whether a call is scheduled exactly `ms` from now. */
  scheduledIn(ms) {
    return this.tasks.some((t) => t.at === this.time + ms);
  }

  /** How many calls are scheduled. */
  get pending() {
    return this.tasks.length;
  }
}

/** Real time, counting what is scheduled: `pending` 0 means the client will do nothing more by itself. */
export class CountingScheduler {
  /** Calls scheduled and neither run nor cancelled. */
  pending = 0;

  now() {
    return performance.now();
  }

  after(delayMs, fn) {
    let live = true;
    this.pending++;
    const end = () => {
      if (live) this.pending--;
      live = false;
    };
    const t = setTimeout(() => {
      end();
      fn();
    }, delayMs);
    return { cancel: () => { clearTimeout(t); end(); } };
  }
}
