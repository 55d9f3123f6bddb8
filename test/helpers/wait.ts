/**
 * Counted waits: poll until something another thread, process or socket does has happened, instead of sleeping
 * a fixed time that a loaded machine (or ASan) can overrun. It never throws: the test asserts the condition
 * afterwards, so a condition that never comes still fails there, with the test's own message.
 */
export async function waitUntil(check: () => boolean, timeoutMs = 5000, stepMs = 10): Promise<void> {
  for (let waited = 0; waited < timeoutMs && !check(); waited += stepMs) await new Promise((resolve) => setTimeout(resolve, stepMs));
}
