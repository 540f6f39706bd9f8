/**
 * A child process faultline spawns (the job behind `run --json`, the consumer tests' Vitest) must
 * not outlive a parent killed with SIGKILL: it would go on starting containers that its own, live,
 * PID keeps from every sweep. The parent puts its PID in the child's environment; the child checks
 * every half second that the parent is still its parent and, once orphaned, sends itself SIGTERM,
 * so its usual handlers roll faults back and remove its containers before it exits.
 */
export const PARENT_PID_ENV = "FAULTLINE_PARENT_PID";

/** Environment for a child that must end with this process. */
export function childEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return { ...env, [PARENT_PID_ENV]: String(process.pid) };
}

/** Starts watching when this process was started by faultline with childEnv(); else does nothing. */
export function watchParent(
  onOrphaned: () => void = () => process.kill(process.pid, "SIGTERM"),
  intervalMs = 500,
): () => void {
  const parent = Number(process.env[PARENT_PID_ENV]);
  // Our own children must watch us, not our parent.
  delete process.env[PARENT_PID_ENV];
  if (!Number.isInteger(parent) || parent <= 0) return () => {};
  let fired = false;
  const timer = setInterval(() => {
    if (fired || process.ppid === parent) return;
    fired = true;
    process.stderr.write(`faultline: parent process ${parent} is gone: stopping\n`);
    onOrphaned();
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
