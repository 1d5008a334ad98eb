// Loaded into a proxy under test with `node --expose-gc --import <this file>`: on the IPC message
// "gc" it runs full collections and answers with process.memoryUsage(), so a test can measure what
// the proxy still holds after an attack (RSS after GC), not what garbage it has yet to free.
process.on('message', (msg) => {
  if (msg !== 'gc') return;
  // Looked up now: when this module is loaded (--import), gc() is not installed yet.
  const collect = (globalThis as { gc?: () => void }).gc;
  if (!collect) throw new Error('gc-probe needs node --expose-gc');
  // Full collections (plain gc() is one; the options form is not on every Node), twice: the first
  // may only queue finalizers whose memory the second releases.
  collect();
  collect();
  process.send?.(process.memoryUsage());
});
// The channel must not keep the proxy alive, nor stop it from exiting on its own.
process.channel?.unref();
