/**
 * Where the quiesce scripts live on a Linux instance, and how they must be owned.
 * The plugin runs only these fixed paths (the console treats them as fixed), so they are
 * constants, not options.
 */

/** The script the plugin runs before the freeze: pauses the application's writes. */
export const PRESCRIPT_PATH = '/tmp/prescript.sh';

/** The script the plugin runs after the thaw: resumes the application. */
export const POSTSCRIPT_PATH = '/tmp/postscript.sh';

/** The mode the plugin requires of both scripts (owner read, write, execute only). */
export const SCRIPT_MODE = '700';

/** The owner and group the plugin requires of both scripts. */
export const SCRIPT_OWNER = 'root';
export const SCRIPT_GROUP = 'root';

/**
 * Where the script deployment keeps a persistent copy of both scripts and their checksums,
 * outside `/tmp`, so that a run after a reboot (which may clean `/tmp`) can verify and repair
 * the scripts before calling the plugin.
 */
export const PERSISTENT_SCRIPT_DIR = '/var/lib/app-consistent-snapshot/scripts';

/** The checksum file in {@link PERSISTENT_SCRIPT_DIR}, in `sha256sum` format. */
export const PERSISTENT_CHECKSUM_FILE = 'SHA256SUMS';

/**
 * State directory for the quiesce scripts (lock holders, watchdogs). It is on tmpfs (`/run`):
 * never on a file system that the plugin may freeze.
 */
export const QUIESCE_STATE_DIR = '/run/app-consistent-snapshot';
