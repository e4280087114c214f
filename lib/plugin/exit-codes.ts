/**
 * The exit codes of a snapshot run: the plugin's documented codes (0-16, 255) and the
 * package's own codes, which the wrapper run on each instance uses for outcomes the plugin
 * does not report. This module is the single source: the shell `case`, the PowerShell map and
 * the README table are generated from it or tested against it.
 *
 * @see https://www.alibabacloud.com/help/en/ecs/user-guide/create-application-consistent-snapshots
 */

/** Who defines an exit code. */
export enum ExitCodeSource {
  /** Documented by Alibaba Cloud for `app-snapshot-plugin` / `app-snapshot-plugin-win`. */
  PLUGIN = 'plugin',
  /** Defined by this package's wrapper. */
  PACKAGE = 'package',
  /**
   * Defined by Cloud Assistant's `acs-plugin-manager` for its own failures (the plugin was not
   * found, downloaded, started or finished in time). A plugin may return the same numbers: the
   * manager's own failures are told apart by the line it prints, `<Func> <NAME>[.<errno>]: <tip>`.
   *
   * @see https://github.com/aliyun/aliyun_assist_client (agent/pluginmanager/acspluginmanager/errcode.go)
   */
  PLUGIN_MANAGER = 'plugin manager',
}

/** One row of the exit-code table. */
export interface ExitCodeEntry {
  /** The numeric exit status, 0-255. */
  readonly code: number;
  /** A stable upper-case identifier, usable in logs and the result line. */
  readonly name: string;
  /** What the code means. */
  readonly meaning: string;
  /** What the user should do about it. */
  readonly action: string;
  /** Who defines the code. */
  readonly source: ExitCodeSource;
}

/** The plugin's documented exit codes. */
export const PLUGIN_EXIT_CODES: readonly ExitCodeEntry[] = [
  { code: 0, name: 'SUCCESS', meaning: 'the snapshot was created as expected', action: 'none', source: ExitCodeSource.PLUGIN },
  { code: 1, name: 'PREREQUISITE_NOT_MET', meaning: 'one or more prerequisites are not met', action: 'check the instance is Running, Cloud Assistant is Normal, the disks are ESSD with multi-attach off and the RAM role is attached', source: ExitCodeSource.PLUGIN },
  { code: 2, name: 'PLUGIN_ERROR_2', meaning: 'the plugin failed (cause not documented)', action: 'read the plugin output in the invocation result', source: ExitCodeSource.PLUGIN },
  { code: 3, name: 'PLUGIN_ERROR_3', meaning: 'the plugin failed (cause not documented)', action: 'read the plugin output in the invocation result', source: ExitCodeSource.PLUGIN },
  { code: 4, name: 'SNAPSHOT_GROUP_CREATE_FAILED', meaning: 'the snapshot group could not be created', action: 'check the RAM role policy allows ecs:CreateSnapshot* and the disks are ESSD', source: ExitCodeSource.PLUGIN },
  { code: 5, name: 'SNAPSHOT_GROUP_BAD_STATE', meaning: 'the snapshot group is not in the expected state', action: 'inspect the snapshot group in the ECS console and retry', source: ExitCodeSource.PLUGIN },
  { code: 6, name: 'SNAPSHOT_GROUP_TIMEOUT', meaning: 'the snapshot group creation request timed out', action: 'retry; check the ECS API is reachable from the instance', source: ExitCodeSource.PLUGIN },
  { code: 7, name: 'DISK_SNAPSHOT_BAD_STATE', meaning: 'a disk snapshot in the group is not in the expected state', action: 'inspect the disk snapshots of the group and retry', source: ExitCodeSource.PLUGIN },
  { code: 8, name: 'TAG_FAILED', meaning: 'tags could not be added to the snapshots', action: 'check the RAM role policy allows ecs:TagResources', source: ExitCodeSource.PLUGIN },
  { code: 9, name: 'PRESCRIPT_FAILED', meaning: 'prescript.sh could not be run', action: 'run /tmp/prescript.sh by hand as root and fix its error', source: ExitCodeSource.PLUGIN },
  { code: 10, name: 'POSTSCRIPT_FAILED', meaning: 'postscript.sh could not be run', action: 'run /tmp/postscript.sh by hand as root at once: the application may still be paused', source: ExitCodeSource.PLUGIN },
  { code: 11, name: 'IO_PAUSE_FAILED', meaning: 'I/O could not be paused', action: 'check the file systems are ext3, ext4 or XFS and none is mounted twice', source: ExitCodeSource.PLUGIN },
  { code: 12, name: 'IO_RESUME_FAILED', meaning: 'I/O could not be resumed', action: 'thaw the file systems by hand (fsfreeze -u) at once', source: ExitCodeSource.PLUGIN },
  { code: 13, name: 'NO_RAM_ROLE', meaning: 'no RAM role is attached to the instance', action: 'attach the snapshot role to the instance', source: ExitCodeSource.PLUGIN },
  { code: 14, name: 'SNAPSHOT_QUOTA_EXCEEDED', meaning: 'the number of snapshots exceeds the quota', action: 'delete old snapshots or raise the quota', source: ExitCodeSource.PLUGIN },
  { code: 15, name: 'SNAPSHOT_BAD_STATE', meaning: 'a snapshot is not in the expected state', action: 'inspect the snapshots and retry', source: ExitCodeSource.PLUGIN },
  { code: 16, name: 'SNAPSHOT_IN_PROGRESS', meaning: 'a previous snapshot is still being created, so a new one cannot start', action: 'wait for the previous snapshot to finish, then retry', source: ExitCodeSource.PLUGIN },
  { code: 255, name: 'UNKNOWN_ERROR', meaning: 'unknown error', action: 'read the plugin output in the invocation result', source: ExitCodeSource.PLUGIN },
];

/**
 * The exit codes of `acs-plugin-manager` itself (232-247). The names are those the manager
 * prints in its error line (`ErrorStrMap` of the agent's source).
 */
export const PLUGIN_MANAGER_EXIT_CODES: readonly ExitCodeEntry[] = [
  { code: 232, name: 'LOCKING_ERR', meaning: 'the plugin manager could not open or take its plugin lock file', action: 'check the Cloud Assistant folder is writable and no other plugin run hangs; retry', source: ExitCodeSource.PLUGIN_MANAGER },
  { code: 233, name: 'CHECK_ENDPOINT_FAIL', meaning: 'the plugin manager found no Cloud Assistant endpoint to connect to', action: 'check the instance reaches the Cloud Assistant server; retry', source: ExitCodeSource.PLUGIN_MANAGER },
  { code: 234, name: 'PACKAGE_NOT_FOUND', meaning: 'the plugin is neither installed nor available online for this system and architecture', action: 'update the Cloud Assistant agent; check the OS is one the plugin supports', source: ExitCodeSource.PLUGIN_MANAGER },
  { code: 235, name: 'PACKAGE_FORMAT_ERR', meaning: 'the plugin package is not a zip file', action: 'retry; if it persists, update the Cloud Assistant agent', source: ExitCodeSource.PLUGIN_MANAGER },
  { code: 236, name: 'UNZIP_ERR', meaning: 'the plugin package could not be unzipped', action: 'check free disk space in the Cloud Assistant folder; retry', source: ExitCodeSource.PLUGIN_MANAGER },
  { code: 237, name: 'UNMARSHAL_ERR', meaning: 'the plugin\'s config.json could not be parsed', action: 'retry (the package is downloaded again); update the Cloud Assistant agent', source: ExitCodeSource.PLUGIN_MANAGER },
  { code: 238, name: 'PLUGIN_FORMAT_ERR', meaning: 'the plugin\'s config.json or entry point is missing, or the plugin does not fit this OS', action: 'update the Cloud Assistant agent; check the OS is one the plugin supports', source: ExitCodeSource.PLUGIN_MANAGER },
  { code: 239, name: 'MD5_CHECK_FAIL', meaning: 'the downloaded plugin package failed its MD5 check', action: 'retry; check nothing on the network alters downloads', source: ExitCodeSource.PLUGIN_MANAGER },
  { code: 240, name: 'DOWNLOAD_FAIL', meaning: 'the plugin package could not be downloaded (three tries, or the fetch timeout ran out)', action: 'check the instance reaches the Cloud Assistant server (VPC endpoint, security group); retry', source: ExitCodeSource.PLUGIN_MANAGER },
  { code: 241, name: 'LOAD_INSTALLEDPLUGINS_ERR', meaning: 'the plugin manager could not read its installed_plugins file', action: 'check the Cloud Assistant folder and its free space; update the agent', source: ExitCodeSource.PLUGIN_MANAGER },
  { code: 242, name: 'DUMP_INSTALLEDPLUGINS_ERR', meaning: 'the plugin manager could not write its installed_plugins file', action: 'check the Cloud Assistant folder is writable and has free space', source: ExitCodeSource.PLUGIN_MANAGER },
  { code: 243, name: 'GET_ONLINE_PACKAGE_INFO_ERR', meaning: 'the plugin manager could not read the online plugin list', action: 'check the instance reaches the Cloud Assistant server; retry', source: ExitCodeSource.PLUGIN_MANAGER },
  { code: 244, name: 'EXECUTABLE_PERMISSION_ERR', meaning: 'the plugin manager could not make the plugin executable', action: 'check the Cloud Assistant folder is on a file system that allows chmod (not mounted noexec)', source: ExitCodeSource.PLUGIN_MANAGER },
  { code: 245, name: 'REMOVE_FILE_ERR', meaning: 'the plugin manager could not delete a plugin folder', action: 'check the Cloud Assistant folder\'s permissions', source: ExitCodeSource.PLUGIN_MANAGER },
  { code: 246, name: 'EXECUTE_FAILED_ERR', meaning: 'the plugin process could not be started', action: 'read the manager\'s error line in the result; update the Cloud Assistant agent', source: ExitCodeSource.PLUGIN_MANAGER },
  { code: 247, name: 'EXECUTE_TIMEOUT_ERR', meaning: 'the plugin ran past the plugin manager\'s timeout and the manager killed it (not its children)', action: 'check no file system is left frozen (fsfreeze -u) and the application is resumed; raise `pluginDeadlineSeconds`', source: ExitCodeSource.PLUGIN_MANAGER },
];

/** The package's codes by name, for code that needs one of them. */
export const PackageExitCode = {
  RESERVED_EXIT_CODE_REPLACED: 119,
  APP_CONSISTENCY_NOT_OBTAINED: 120,
  PLUGIN_MANAGER_NOT_FOUND: 121,
  NO_VERDICT: 122,
  SCRIPTS_UNREPAIRABLE: 123,
  PLUGIN_TIMED_OUT: 124,
  INVALID_INPUT: 125,
  PREFLIGHT_FAILED: 126,
  SNAPSHOTS_NOT_CONFIRMED: 127,
} as const;

/**
 * Exit codes after which Cloud Assistant powers off (193, 3009) or reboots (194, 3010) the
 * instance once the command has finished. No command of the package may exit with one of them,
 * whatever the plugin returned: the wrappers exit {@link PackageExitCode.RESERVED_EXIT_CODE_REPLACED}
 * instead and name the original code in the result line.
 *
 * @see https://github.com/aliyun/aliyun_assist_client (agent/taskengine, SideEffect)
 */
export const RESERVED_EXIT_CODES = {
  linux: [193, 194],
  windows: [3009, 3010],
} as const;

/**
 * The package's own exit codes. They sit in 119-127, a range the plugin does not document,
 * so a code always tells who decided it.
 */
export const PACKAGE_EXIT_CODES: readonly ExitCodeEntry[] = [
  { code: PackageExitCode.RESERVED_EXIT_CODE_REPLACED, name: 'RESERVED_EXIT_CODE_REPLACED', meaning: 'the plugin or the plugin manager exited with a code after which Cloud Assistant would power off or reboot the instance (193 or 194 on Linux, 3009 or 3010 on Windows); the wrapper exited with this code instead and names the original one', action: 'read the original code and the plugin output in the result; nothing was powered off or rebooted', source: ExitCodeSource.PACKAGE },
  { code: PackageExitCode.APP_CONSISTENCY_NOT_OBTAINED, name: 'APP_CONSISTENCY_NOT_OBTAINED', meaning: 'application consistency was required but the plugin fell back to a file-system-consistent snapshot', action: 'check /tmp/prescript.sh and /tmp/postscript.sh exist, are root-owned with mode 700 and succeed when run by hand', source: ExitCodeSource.PACKAGE },
  { code: PackageExitCode.PLUGIN_MANAGER_NOT_FOUND, name: 'PLUGIN_MANAGER_NOT_FOUND', meaning: 'acs-plugin-manager was not found on the instance', action: 'install or update the Cloud Assistant agent', source: ExitCodeSource.PACKAGE },
  { code: PackageExitCode.NO_VERDICT, name: 'NO_VERDICT', meaning: 'the plugin exited 0 but named no snapshot group, so the snapshots\' tags, which decide the verdict, cannot be read back', action: 'read the plugin output; find the group in the ECS console and check its snapshots\' tags', source: ExitCodeSource.PACKAGE },
  { code: PackageExitCode.SCRIPTS_UNREPAIRABLE, name: 'SCRIPTS_UNREPAIRABLE', meaning: 'the quiesce scripts were missing or altered and their persistent copy was missing or failed its checksum', action: 'redeploy the stack (the script deployment reinstalls them)', source: ExitCodeSource.PACKAGE },
  { code: PackageExitCode.PLUGIN_TIMED_OUT, name: 'PLUGIN_TIMED_OUT', meaning: 'the plugin did not finish within the wrapper deadline; the wrapper stopped it, thawed any frozen file system and ran the postscript', action: 'check the instance load and the snapshot group in the ECS console; raise `pluginDeadlineSeconds` if snapshots are slow', source: ExitCodeSource.PACKAGE },
  { code: PackageExitCode.INVALID_INPUT, name: 'INVALID_INPUT', meaning: 'a value given to the wrapper at execution time broke its rules (instance id, flags, numbers)', action: 'fix the execution parameters named in the message', source: ExitCodeSource.PACKAGE },
  { code: PackageExitCode.PREFLIGHT_FAILED, name: 'PREFLIGHT_FAILED', meaning: 'a prerequisite read from the ECS API before the plugin ran is not met (RAM role, disk category, multi-attach, disk owner or count); the plugin was not run', action: 'fix what each reason names (the instance, the disk and the rule), then run again; see "Preflight reasons" below', source: ExitCodeSource.PACKAGE },
  { code: PackageExitCode.SNAPSHOTS_NOT_CONFIRMED, name: 'SNAPSHOTS_NOT_CONFIRMED', meaning: 'the snapshot group read back from ECS does not confirm the run: it is not accomplished, a snapshot is missing, unfinished or carries no consistency tag, or the tags say file-system-consistent where the plugin logged application-consistent', action: 'inspect the group and snapshots the reason names in the ECS console; delete a group that is not usable and run again', source: ExitCodeSource.PACKAGE },
];

/** Every exit code, in ascending order. */
export const EXIT_CODES: readonly ExitCodeEntry[] = [...PLUGIN_EXIT_CODES, ...PACKAGE_EXIT_CODES, ...PLUGIN_MANAGER_EXIT_CODES]
  .slice()
  .sort((a, b) => a.code - b.code);

/** The entry for a code, or undefined when the code is not in the table. */
export function describeExitCode(code: number): ExitCodeEntry | undefined {
  return EXIT_CODES.find((e) => e.code === code);
}

/** The exit-code table as Markdown, as the README shows it (a test keeps the two equal). */
export function exitCodeMarkdownTable(): string {
  const rows = EXIT_CODES.map((e) => `| ${e.code} | \`${e.name}\` | ${e.source} | ${e.meaning} | ${e.action} |`);
  return ['| code | name | from | meaning | what to do |', '|---|---|---|---|---|', ...rows].join('\n');
}
