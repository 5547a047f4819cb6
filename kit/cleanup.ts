// One place that owns process-exit and signal handling for helpers, so that
// namespaces and child processes are torn down on every exit path, and the
// signal is re-raised afterwards so the process still dies the way it was told.

type Hook = () => void;

const hooks = new Set<Hook>();
let installed = false;
const SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];

/** Registers fn to run once at process exit, SIGINT or SIGTERM; returns a function that unregisters it. */
export function onCleanup(fn: Hook): () => void {
  install();
  hooks.add(fn);
  return () => {
    hooks.delete(fn);
  };
}

/** Runs every registered hook now, newest first, each once; a throwing hook is reported and does not stop the rest. */
export function runCleanups(): void {
  const list = [...hooks].reverse();
  hooks.clear();
  for (const fn of list) {
    try {
      fn();
    } catch (e) {
      process.stderr.write(`cleanup failed: ${e instanceof Error ? e.message : String(e)}\n`);
    }
  }
}

function onSignal(sig: NodeJS.Signals): void {
  runCleanups();
  for (const s of SIGNALS) process.removeListener(s, onSignal);
  // Other listeners saw this same signal and own termination; otherwise the
  // default action is back in place and re-raising kills us with the signal.
  if (process.listenerCount(sig) === 0) process.kill(process.pid, sig);
}

function install(): void {
  if (installed) return;
  installed = true;
  process.on('exit', runCleanups);
  for (const s of SIGNALS) process.on(s, onSignal);
}
