/**
 * The app-snapshot plugins' parameters: names, types, defaults, the rules their values must
 * follow, and the `--params=` encoding. Single source for the command builder, the OOS
 * parameters and the validation of construct props and posture files.
 *
 * @see ../../../shared/reference/app-consistent-snapshot.md
 */

/** The operating system family of a group of instances. */
export enum OperatingSystem {
  LINUX = 'Linux',
  WINDOWS = 'Windows',
}

/** The Cloud Assistant plugin that takes the snapshot, per OS. */
export const PLUGIN_NAME: Readonly<Record<OperatingSystem, string>> = {
  [OperatingSystem.LINUX]: 'app-snapshot-plugin',
  [OperatingSystem.WINDOWS]: 'app-snapshot-plugin-win',
};

/** The command that runs a plugin. */
export const PLUGIN_MANAGER = 'acs-plugin-manager';

/** How a parameter's value is written in the `--params=` list. */
export type PluginParameterType = 'string' | 'boolean' | 'integer';

/** One parameter of a plugin. */
export interface PluginParameterSpec {
  /** The name as the plugin spells it (after the leading `-`). */
  readonly name: string;
  /** string values are quoted in the list ({@link PLUGIN_VALUE_QUOTE}); booleans and integers are bare. */
  readonly type: PluginParameterType;
  /** Whether the plugin requires it. */
  readonly required: boolean;
}

/** The Linux plugin's eight parameters, in the documented order. */
export const LINUX_PLUGIN_PARAMETERS: readonly PluginParameterSpec[] = [
  { name: 'RamRoleName', type: 'string', required: true },
  { name: 'EnableFsFreeze', type: 'boolean', required: false },
  { name: 'TimeoutInSeconds', type: 'integer', required: false },
  { name: 'PreScriptPath', type: 'string', required: false },
  { name: 'PostScriptPath', type: 'string', required: false },
  { name: 'ExcludeDiskId', type: 'string', required: false },
  { name: 'Name', type: 'string', required: true },
  { name: 'Description', type: 'string', required: false },
];

/** The Windows plugin's five parameters, in the documented order. */
export const WINDOWS_PLUGIN_PARAMETERS: readonly PluginParameterSpec[] = [
  { name: 'RamRoleName', type: 'string', required: true },
  { name: 'EnableWriters', type: 'boolean', required: false },
  { name: 'ExcludeDiskId', type: 'string', required: false },
  { name: 'Name', type: 'string', required: true },
  { name: 'Description', type: 'string', required: false },
];

/** The parameters of the plugin for an OS. */
export function pluginParameters(os: OperatingSystem): readonly PluginParameterSpec[] {
  return os === OperatingSystem.LINUX ? LINUX_PLUGIN_PARAMETERS : WINDOWS_PLUGIN_PARAMETERS;
}

/** Documented defaults of the plugins. */
export const PLUGIN_DEFAULTS = {
  enableFsFreeze: true,
  timeoutInSeconds: 30,
  enableWriters: true,
} as const;

/** The bounds this package accepts for TimeoutInSeconds. */
export const TIMEOUT_SECONDS_RANGE = { min: 1, max: 600 } as const;

/** Above this I/O pause timeout the documentation warns the freeze may not complete in time. */
export const TIMEOUT_SECONDS_WARNING = 16;

/**
 * Characters a plugin value may never hold, on either system, and why. The plugin manager
 * (`acs-plugin-manager`) turns every `,` of the `--params=` list into a space and splits the rest
 * with shell-like rules (Go's shlex), and the wrappers carry the list in single-quoted strings
 * (bash on Linux, PowerShell on Windows) into which OOS substitutes the values as raw text.
 */
export const FORBIDDEN_VALUE_CHARACTERS: Readonly<Record<string, string>> = {
  ',': 'the plugin manager turns every `,` of the --params= list into a space',
  '"': 'it would end the quotes around the value in the --params= list, and on Windows the quoting of the command line',
  "'": 'it would end the single quotes that carry the value in the command (and, on Windows, in the --params= list)',
  '\\': 'the plugin manager\'s shell-like split of the --params= list and Windows\' command-line rules take it as an escape character',
};

/**
 * One character a plugin value may hold on Linux, as a regular-expression class: none of the
 * {@link FORBIDDEN_VALUE_CHARACTERS}, no control characters.
 */
export const LINUX_PLUGIN_VALUE_CHARACTER = '[^,"\'\\\\\\x00-\\x1f\\x7f]';

/**
 * One character a plugin value may hold on Windows: printable ASCII only (space to `~`) without
 * the forbidden characters. Cloud Assistant saves a PowerShell command without a byte-order mark
 * (re-encoded to GBK on non-English systems) and Windows PowerShell 5.1 reads such a file in the
 * system's ANSI code page, so any other character is altered, and some (a UTF-8 byte read as
 * `\u2018`, or `\u2019` itself) end a PowerShell single-quoted string. Written as a positive class
 * so that no regular-expression engine lets a character outside it through.
 */
export const WINDOWS_PLUGIN_VALUE_CHARACTER = '[\\x20\\x21\\x23-\\x26\\x28-\\x2b\\x2d-\\x5b\\x5d-\\x7e]';

/** The character class of a value that reaches the plugin on an OS. */
export function pluginValueCharacter(os: OperatingSystem): string {
  return os === OperatingSystem.WINDOWS ? WINDOWS_PLUGIN_VALUE_CHARACTER : LINUX_PLUGIN_VALUE_CHARACTER;
}

/** The OOS `AllowedPattern` that admits exactly the Linux values {@link pluginValueProblem} admits. */
export const PLUGIN_VALUE_ALLOWED_PATTERN = `^${LINUX_PLUGIN_VALUE_CHARACTER}*$`;

/** The Windows counterpart of {@link PLUGIN_VALUE_ALLOWED_PATTERN}. */
export const WINDOWS_PLUGIN_VALUE_ALLOWED_PATTERN = `^${WINDOWS_PLUGIN_VALUE_CHARACTER}*$`;

/** The `AllowedPattern` of a value that reaches the plugin on an OS. */
export function pluginValueAllowedPattern(os: OperatingSystem): string {
  return `^${pluginValueCharacter(os)}*$`;
}

/** The rule of {@link pluginValueAllowedPattern} in words, for parameter descriptions. */
export function pluginValueRule(os: OperatingSystem): string {
  const base = 'no , " \' or \\ and no control characters (they would break the plugin\'s --params= list or the quoting of the command)';
  return os === OperatingSystem.WINDOWS
    ? `printable ASCII only (Windows PowerShell 5.1 reads the command in the ANSI code page), ${base}`
    : base;
}

/** Whether a value is safe in the `--params=` list on an OS; returns the reason when it is not. */
export function pluginValueProblem(value: string, os: OperatingSystem): string | undefined {
  for (const [c, why] of Object.entries(FORBIDDEN_VALUE_CHARACTERS)) {
    if (value.includes(c)) {
      return `must not contain ${JSON.stringify(c)}: ${why}`;
    }
  }
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f\x7f]/.test(value)) {
    return 'must not contain control characters or line breaks: they would split the command that carries the value';
  }
  if (os === OperatingSystem.WINDOWS && !new RegExp(WINDOWS_PLUGIN_VALUE_ALLOWED_PATTERN).test(value)) {
    const c = [...value].find((ch) => !new RegExp(`^${WINDOWS_PLUGIN_VALUE_CHARACTER}$`).test(ch))!;
    return `must be printable ASCII on Windows, got ${JSON.stringify(c)} (U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}): `
      + 'Cloud Assistant saves the command without a byte-order mark and Windows PowerShell 5.1 reads it in the ANSI code page, '
      + 'which alters any other character and can turn one into a quote that ends the value';
  }
  return undefined;
}

/**
 * Snapshot group names: 2-128 characters of letters, digits, `.` `_` `-` `:`, starting with a
 * letter and not with `http://` or `https://` (CreateSnapshotGroup's `Name`, as the ECS SDK model
 * documents it; the API also takes letters of other scripts, which this package does not pass).
 */
export const SNAPSHOT_NAME_PATTERN = '^(?!https?://)[A-Za-z][A-Za-z0-9._:-]{1,127}$';

/** The rule of {@link SNAPSHOT_NAME_PATTERN}, for error messages. */
export const SNAPSHOT_NAME_RULE = 'must be 2 to 128 characters of letters, digits, `.` `_` `-` `:`, start with a letter and not with http:// or https:// (CreateSnapshotGroup\'s Name)';

/** Snapshot group descriptions: 2 to 256 characters, not starting with `http://` or `https://` (CreateSnapshotGroup). */
export const SNAPSHOT_DESCRIPTION_MIN_LENGTH = 2;
export const SNAPSHOT_DESCRIPTION_MAX_LENGTH = 256;

/**
 * The OOS and ROS `AllowedPattern` of a snapshot group description on an OS: empty (no
 * description: the wrappers then leave the plugin's optional Description out, so
 * CreateSnapshotGroup gets none), or 2 to 256 characters that do not start with `http://` or
 * `https://`, each one a value may hold on that OS ({@link pluginValueCharacter}).
 */
export function snapshotDescriptionPattern(os: OperatingSystem): string {
  return `^$|^(?!https?://)${pluginValueCharacter(os)}{${SNAPSHOT_DESCRIPTION_MIN_LENGTH},${SNAPSHOT_DESCRIPTION_MAX_LENGTH}}$`;
}

/** CreateSnapshotGroup's rule of {@link snapshotDescriptionPattern} in words. */
export const SNAPSHOT_DESCRIPTION_RULE = `must be empty (no description) or ${SNAPSHOT_DESCRIPTION_MIN_LENGTH} to ${SNAPSHOT_DESCRIPTION_MAX_LENGTH} characters `
  + 'not starting with http:// or https:// (CreateSnapshotGroup\'s Description)';

/** The whole rule of {@link snapshotDescriptionPattern} in words, for parameter descriptions. */
export function snapshotDescriptionRule(os: OperatingSystem): string {
  return `empty (none), or ${SNAPSHOT_DESCRIPTION_MIN_LENGTH} to ${SNAPSHOT_DESCRIPTION_MAX_LENGTH} characters not starting with http:// or https:// (CreateSnapshotGroup's Description), and ${pluginValueRule(os)}`;
}

/**
 * Why a snapshot group description would be refused on an OS (by the plugin's list, by the
 * command that carries it, or by CreateSnapshotGroup), or undefined.
 */
export function snapshotDescriptionProblem(value: string, os: OperatingSystem): string | undefined {
  const problem = pluginValueProblem(value, os);
  if (problem !== undefined || value === '') {
    return problem;
  }
  if (value.length < SNAPSHOT_DESCRIPTION_MIN_LENGTH || value.length > SNAPSHOT_DESCRIPTION_MAX_LENGTH || /^https?:\/\//.test(value)) {
    return SNAPSHOT_DESCRIPTION_RULE;
  }
  return undefined;
}

/** ECS instance ids, as the ECS API issues them. */
export const INSTANCE_ID_PATTERN = '^i-[a-z0-9]{8,32}$';

/** ECS disk ids. */
export const DISK_ID_PATTERN = '^d-[a-z0-9]{8,32}$';

/** An ECS disk id, or nothing (ExcludeDiskId's AllowedPattern). */
export const OPTIONAL_DISK_ID_PATTERN = `^(${DISK_ID_PATTERN.slice(1, -1)})?$`;

/** RAM role names: 1-64 characters of letters, digits, `.` and `-`. */
export const RAM_ROLE_NAME_PATTERN = '^[A-Za-z0-9.-]{1,64}$';

/**
 * How many disks ExcludeDiskId can name. The documentation types it as one string and does not
 * say how to separate several ids, and `,` would break the list: so one.
 */
export const MAX_EXCLUDED_DISKS = 1;

/** A value in the `--params=` list. */
export type PluginParameterValue = string | number | boolean;

/**
 * How a string value is quoted in the `--params=` list, per OS. The plugin manager turns every
 * `,` of the list into a space, then splits it with shell-like rules (Go's shlex) into the plugin's
 * arguments, so a value with a space must be quoted for that split:
 * - Linux: `-Key="value"`, the documented form; the list reaches the manager as one argument of
 *   bash, quotes intact.
 * - Windows: `-Key='value'`, shlex single quotes. The wrapper hands the manager one command line
 *   in which the whole `--params=` argument is wrapped in `"`; Windows' argument rules strip those,
 *   and would strip (or, with a backslash, keep) any `"` inside, so the list holds none. (Windows
 *   PowerShell 5.1 passing `-Key="a b"` to a native program unescaped is what cut such values in
 *   two.)
 */
export const PLUGIN_VALUE_QUOTE: Readonly<Record<OperatingSystem, string>> = {
  [OperatingSystem.LINUX]: '"',
  [OperatingSystem.WINDOWS]: "'",
};

/**
 * Encodes `--params=`: `-Key=<quoted string>` or `-Key=value`, comma-separated, in the plugin's
 * parameter order, strings quoted as {@link PLUGIN_VALUE_QUOTE} says. Values are passed through
 * unchanged (they may be OOS references such as `{{ name }}`), so they must have been checked
 * with {@link pluginValueProblem} or guarded by {@link pluginValueAllowedPattern}.
 */
export function encodePluginParams(os: OperatingSystem, values: Readonly<Record<string, PluginParameterValue>>): string {
  const specs = pluginParameters(os);
  for (const key of Object.keys(values)) {
    if (!specs.some((s) => s.name === key)) {
      throw new Error(`unknown parameter \`${key}\` for ${PLUGIN_NAME[os]}: expected one of ${specs.map((s) => s.name).join(', ')}`);
    }
  }
  const quote = PLUGIN_VALUE_QUOTE[os];
  return specs
    .filter((s) => values[s.name] !== undefined)
    .map((s) => {
      const v = String(values[s.name]);
      return s.type === 'string' ? `-${s.name}=${quote}${v}${quote}` : `-${s.name}=${v}`;
    })
    .join(',');
}
