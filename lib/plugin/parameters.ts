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
  /** string values are double-quoted in the list; booleans and integers are bare. */
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
 * Characters a plugin value may never hold: `,` and `"` break the `--params=` list; `'` and `\`
 * would break the quoting of the wrapper that carries the value; control characters (line
 * breaks among them) would split the command.
 */
export const FORBIDDEN_VALUE_CHARACTERS = [',', '"', "'", '\\'];

/** One character a plugin value may hold (see {@link FORBIDDEN_VALUE_CHARACTERS}), as a regular expression. */
export const PLUGIN_VALUE_CHARACTER = '[^,"\'\\\\\\x00-\\x1f\\x7f]';

/** An OOS `AllowedPattern` that admits exactly the values {@link pluginValueProblem} admits. */
export const PLUGIN_VALUE_ALLOWED_PATTERN = `^${PLUGIN_VALUE_CHARACTER}*$`;

/** Whether a value is safe in the `--params=` list; returns the reason when it is not. */
export function pluginValueProblem(value: string): string | undefined {
  for (const c of FORBIDDEN_VALUE_CHARACTERS) {
    if (value.includes(c)) {
      return `must not contain ${JSON.stringify(c)} (it would break the plugin's --params= list or its quoting)`;
    }
  }
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f\x7f]/.test(value)) {
    return 'must not contain control characters or line breaks';
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
 * The OOS and ROS `AllowedPattern` of a snapshot group description: empty (no description: the
 * wrapper then leaves the plugin's optional Description out, so CreateSnapshotGroup gets none),
 * or 2 to 256 characters that do not start with `http://` or `https://`, without the characters
 * the `--params=` list cannot carry ({@link PLUGIN_VALUE_ALLOWED_PATTERN}).
 */
export const SNAPSHOT_DESCRIPTION_PATTERN =
  `^$|^(?!https?://)${PLUGIN_VALUE_CHARACTER}{${SNAPSHOT_DESCRIPTION_MIN_LENGTH},${SNAPSHOT_DESCRIPTION_MAX_LENGTH}}$`;

/** Why a snapshot group description would be refused (by the plugin's list or by CreateSnapshotGroup), or undefined. */
export function snapshotDescriptionProblem(value: string): string | undefined {
  const problem = pluginValueProblem(value);
  if (problem !== undefined || value === '') {
    return problem;
  }
  if (value.length < SNAPSHOT_DESCRIPTION_MIN_LENGTH || value.length > SNAPSHOT_DESCRIPTION_MAX_LENGTH || /^https?:\/\//.test(value)) {
    return `must be empty (no description) or ${SNAPSHOT_DESCRIPTION_MIN_LENGTH} to ${SNAPSHOT_DESCRIPTION_MAX_LENGTH} characters not starting with http:// or https:// (CreateSnapshotGroup's Description)`;
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
 * Encodes `--params=` the way the documentation writes it: `-Key="string"` or `-Key=value`,
 * comma-separated, in the plugin's parameter order. Values are passed through unchanged
 * (they may be OOS references such as `{{ name }}`), so they must have been checked with
 * {@link pluginValueProblem} or guarded by {@link PLUGIN_VALUE_ALLOWED_PATTERN}.
 */
export function encodePluginParams(os: OperatingSystem, values: Readonly<Record<string, PluginParameterValue>>): string {
  const specs = pluginParameters(os);
  for (const key of Object.keys(values)) {
    if (!specs.some((s) => s.name === key)) {
      throw new Error(`unknown parameter \`${key}\` for ${PLUGIN_NAME[os]}: expected one of ${specs.map((s) => s.name).join(', ')}`);
    }
  }
  return specs
    .filter((s) => values[s.name] !== undefined)
    .map((s) => {
      const v = String(values[s.name]);
      return s.type === 'string' ? `-${s.name}="${v}"` : `-${s.name}=${v}`;
    })
    .join(',');
}
