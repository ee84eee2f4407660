// Waiting on events, not on time: until(check) re-checks `check` each time something a test can
// observe happened (bump(): a client event, a frame or a connection at the scripted peer) and
// resolves with its first truthy value. The timeout only turns a hang into a failure that says what
// was awaited; it never decides an outcome.
const waiters = new Set();

/** Something observable happened: re-check every waiting condition. */
export function bump() {
  for (const w of [...waiters]) w();
}

export function until(check, what, timeoutMs = 10_000) {
  return new Promise((resolve, reject) => {
    const guard = setTimeout(() => {
      waiters.delete(test);
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
    }, timeoutMs);
    function test() {
      const v = check();
      if (!v) return;
      clearTimeout(guard);
      waiters.delete(test);
      resolve(v);
    }
    waiters.add(test);
    test();
  });
}
