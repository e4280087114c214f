/**
 * The time limits around the plugin, in one place: the wrapper's deadline for the plugin, the
 * timeout it gives `acs-plugin-manager`, and the Cloud Assistant timeout of the command that
 * runs the wrapper. They must nest, so that whatever hangs, the wrapper (not the plugin manager,
 * not Cloud Assistant) ends the run, thaws the file systems and runs the postscript:
 *
 *   plugin deadline  <  plugin manager's --timeout  (deadline + PLUGIN_MANAGER_TIMEOUT_MARGIN_SECONDS)
 *   deadline + stop grace + thaw + postscript + wrapper overhead  <=  RunCommand task timeout
 *
 * Facts from the Cloud Assistant agent's source (aliyun/aliyun_assist_client, see
 * ../shared/reference/cloud-assistant-windows-ecs.md, sections 1c and 1d):
 * - `acs-plugin-manager --exec` stops a plugin after the `timeout` of the plugin's config.json,
 *   60 s when it has none, unless `--timeout N` is given (0: no limit). On expiry it kills the
 *   plugin process only (its children survive; on Linux the plugin runs in its own process
 *   group) and exits 247 (EXECUTE_TIMEOUT_ERR). Confirmed in the source.
 * - The `--timeout` flag exists from agent version 2.x.499 (2023-08); the plugin manager of
 *   earlier versions (from 2.x.317) accepts unknown flags and ignores them, so there the config.json
 *   timeout or 60 s applies. The wrapper passes `--timeout=N` (with `=`, so that an old manager
 *   cannot take the next argument for its value).
 * - app-snapshot-plugin's own config.json `timeout` is not published: unknown. Hence the explicit
 *   `--timeout`.
 * - When a RunCommand's timeout expires, the agent kills its direct child process only.
 */
import { ValidationError } from '../validation';

/** What the plugin manager's `--timeout` adds to the wrapper's deadline: the manager never stops the plugin first. */
export const PLUGIN_MANAGER_TIMEOUT_MARGIN_SECONDS = 30;

/** Seconds the wrapper waits after TERM before it KILLs the plugin manager and the plugin. */
export const PLUGIN_STOP_GRACE_SECONDS = 15;

/** The most seconds the wrapper spends thawing the file systems after it stopped the plugin. */
export const RECOVERY_THAW_SECONDS = 30;

/** The most seconds the wrapper lets the postscript run after it stopped the plugin. */
export const RECOVERY_POSTSCRIPT_SECONDS = 60;

/** Seconds the wrapper needs besides the plugin: checks, script repair, reading the output. */
export const WRAPPER_OVERHEAD_SECONDS = 60;

/** Cloud Assistant timeout of the verdict run: it only reads its header and prints a line. */
export const VERDICT_TIMEOUT_SECONDS = 60;

/**
 * The longest RunCommand timeout the package sets: 86,400 s, the default of Alibaba's own
 * long-running command action (ACS::ECS::RunCommandForLongTime). ACS::ECS::RunCommand waits for
 * the command with a bounded number of retries (296, at most 300 s apart), and no longer
 * timeout is documented anywhere.
 */
export const MAX_RUN_COMMAND_TIMEOUT_SECONDS = 86_400;

/** The smallest plugin deadline the package accepts. */
export const MIN_PLUGIN_DEADLINE_SECONDS = 60;

/** What the snapshot run's Cloud Assistant timeout adds to the plugin deadline. */
export const SNAPSHOT_RUN_TIMEOUT_EXTRA_SECONDS =
  PLUGIN_STOP_GRACE_SECONDS + RECOVERY_THAW_SECONDS + RECOVERY_POSTSCRIPT_SECONDS + WRAPPER_OVERHEAD_SECONDS;

/** The largest plugin deadline that keeps the snapshot run's timeout within {@link MAX_RUN_COMMAND_TIMEOUT_SECONDS}. */
export const MAX_PLUGIN_DEADLINE_SECONDS = MAX_RUN_COMMAND_TIMEOUT_SECONDS - SNAPSHOT_RUN_TIMEOUT_EXTRA_SECONDS;

/** The plugin manager's `--timeout` for a deadline. */
export function pluginManagerTimeoutSeconds(deadlineSeconds: number): number {
  return deadlineSeconds + PLUGIN_MANAGER_TIMEOUT_MARGIN_SECONDS;
}

/** The Cloud Assistant timeout of the snapshot run for a deadline. */
export function snapshotRunTimeoutSeconds(deadlineSeconds: number): number {
  return deadlineSeconds + SNAPSHOT_RUN_TIMEOUT_EXTRA_SECONDS;
}

/**
 * Throws unless a snapshot run's Cloud Assistant timeout leaves room for the wrapper to end a
 * hung plugin itself: the deadline, the grace before KILL, the thaw, the postscript and its own
 * checks; and stays within {@link MAX_RUN_COMMAND_TIMEOUT_SECONDS}. `field` names the task's
 * timeout in the error.
 */
export function checkSnapshotRunTimeout(field: string, timeoutSeconds: number, deadlineSeconds: number): void {
  const needed = snapshotRunTimeoutSeconds(deadlineSeconds);
  if (!Number.isInteger(timeoutSeconds) || timeoutSeconds < needed) {
    throw new ValidationError(field,
      `must be at least ${needed} s: the plugin deadline (${deadlineSeconds} s), ${PLUGIN_STOP_GRACE_SECONDS} s to stop the plugin, ${RECOVERY_THAW_SECONDS} s to thaw, ${RECOVERY_POSTSCRIPT_SECONDS} s for the postscript and ${WRAPPER_OVERHEAD_SECONDS} s for the wrapper's checks, so that the wrapper and not Cloud Assistant (which kills its direct child only) ends a hung run`,
      timeoutSeconds);
  }
  if (timeoutSeconds > MAX_RUN_COMMAND_TIMEOUT_SECONDS) {
    throw new ValidationError(field, `must be at most ${MAX_RUN_COMMAND_TIMEOUT_SECONDS} s (the longest command timeout Alibaba's own OOS actions use): lower pluginDeadlineSeconds to at most ${MAX_PLUGIN_DEADLINE_SECONDS}`, timeoutSeconds);
  }
}
