import * as crypto from 'crypto';
import * as zlib from 'zlib';
import * as fs from 'fs';
import * as path from 'path';
import { packagePath } from '../package-root';
import { EXIT_CODES, ExitCodeSource, PackageExitCode, RESERVED_EXIT_CODES } from './exit-codes';
import { OperatingSystem, PLUGIN_NAME, PluginParameterValue, encodePluginParams } from './parameters';
import {
  PERSISTENT_CHECKSUM_FILE,
  PERSISTENT_SCRIPT_DIR,
  POSTSCRIPT_PATH,
  PRESCRIPT_PATH,
  SCRIPT_GROUP,
  SCRIPT_MODE,
  SCRIPT_OWNER,
} from './script-paths';
import {
  PLUGIN_MANAGER_TIMEOUT_MARGIN_SECONDS,
  PLUGIN_STOP_GRACE_SECONDS,
  RECOVERY_POSTSCRIPT_SECONDS,
  RECOVERY_THAW_SECONDS,
} from './timeouts';

/** The most a Cloud Assistant command's content may be after Base64 encoding, in bytes. */
export const RUN_COMMAND_MAX_BASE64_BYTES = 16 * 1024;

/**
 * What the automation's commands keep free of that limit for the values OOS substitutes at run
 * time (role names, the disks read by the preflight, the snapshot group's members).
 */
export const RUN_COMMAND_SUBSTITUTION_RESERVE_BYTES = 3 * 1024;

/** The directory of the files run on instances. */
export const TEMPLATES_DIR = packagePath('templates');

function readTemplate(relative: string): string {
  return fs.readFileSync(path.join(TEMPLATES_DIR, relative), 'utf8');
}

/** Quotes a value for bash, inside single quotes. */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** Quotes a value for PowerShell, inside single quotes. */
export function powershellQuote(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** SHA-256 of a text, hex, as `sha256sum` prints it. */
export function sha256Hex(text: string): string {
  return crypto.createHash('sha256').update(text, 'utf8').digest('hex');
}

/** The fixed paths and ownership, as shell assignments (single source: script-paths.ts). */
function scriptPathAssignments(): string {
  return [
    `PRESCRIPT_PATH=${shellQuote(PRESCRIPT_PATH)}`,
    `POSTSCRIPT_PATH=${shellQuote(POSTSCRIPT_PATH)}`,
    `SCRIPT_MODE=${shellQuote(SCRIPT_MODE)}`,
    `SCRIPT_OWNER=${shellQuote(SCRIPT_OWNER)}`,
    `SCRIPT_GROUP=${shellQuote(SCRIPT_GROUP)}`,
    `PERSISTENT_SCRIPT_DIR=${shellQuote(PERSISTENT_SCRIPT_DIR)}`,
    `PERSISTENT_CHECKSUM_FILE=${shellQuote(PERSISTENT_CHECKSUM_FILE)}`,
  ].join('\n');
}

/**
 * The rows of the exit-code table a command carries: the codes its files describe by number
 * (`call` followed by the code, e.g. `fail_package 124`, `Stop-Package 124`),
 * RESERVED_EXIT_CODE_REPLACED (which the one way out of every wrapper may use) and, with
 * `passThrough`, every code of the plugin and the plugin manager (the snapshot run reports theirs):
 * a command carries no row it cannot print, every byte counting against Cloud Assistant's limit.
 */
function exitCodeRows(sources: readonly string[], calls: readonly string[], passThrough: boolean): typeof EXIT_CODES {
  const named = new Set<number>([PackageExitCode.RESERVED_EXIT_CODE_REPLACED]);
  const call = new RegExp(`(?:^|[^\\w-])(?:${calls.join('|')}) (\\d+)\\b`, 'g');
  for (const source of sources) {
    for (const m of source.matchAll(call)) named.add(Number(m[1]));
  }
  return EXIT_CODES.filter((e) => named.has(e.code) || (passThrough && e.source !== ExitCodeSource.PACKAGE));
}

/** The plugin manager's own codes (232-247), from the table. */
const PLUGIN_MANAGER_CODES = EXIT_CODES.filter((e) => e.source === ExitCodeSource.PLUGIN_MANAGER).map((e) => e.code);

/**
 * The bash functions of a Linux command, generated from the table: `exit_code_info CODE` prints
 * `NAME|meaning` for the rows of {@link exitCodeRows} (`sources` are the command's shell files,
 * which name codes with `fail_package N` and `describe N`); `reserved_exit_code CODE` is true for a
 * code after which Cloud Assistant powers off or reboots the instance; with `passThrough` (the
 * snapshot run), `plugin_manager_exit_code CODE` is true for a code acs-plugin-manager uses for
 * its own failures.
 */
export function shellExitCodeFunction(sources: readonly string[], passThrough: boolean): string {
  const cases = exitCodeRows(sources, ['fail_package', 'describe'], passThrough).map((e) => `    ${e.code}) echo ${shellQuote(`${e.name}|${e.meaning}`)} ;;`);
  return [
    'exit_code_info() {', '  case "$1" in', ...cases, '    *) return 1 ;;', '  esac', '}',
    ...(passThrough ? [`plugin_manager_exit_code() { case "$1" in ${PLUGIN_MANAGER_CODES.join('|')}) return 0 ;; esac; return 1; }`] : []),
    `reserved_exit_code() { case "$1" in ${RESERVED_EXIT_CODES.linux.join('|')}) return 0 ;; esac; return 1; }`,
  ].join('\n');
}

/**
 * The PowerShell counterpart of {@link shellExitCodeFunction}, for a Windows command: the hashtable
 * `$ExitCodeTable` (`NAME|meaning` by code) for the rows of {@link exitCodeRows} (`sources` are the
 * command's .ps1 files, which name codes with `Stop-Package N`); the list `$ReservedExitCodes`
 * (after which Cloud Assistant powers off or reboots the instance) with
 * `$ReservedExitCodeReplacement` (the code exited with instead); with `passThrough` (the snapshot
 * run), the list `$PluginManagerExitCodes` (acs-plugin-manager's own codes).
 */
export function powershellExitCodeTable(sources: readonly string[], passThrough: boolean): string {
  const rows = exitCodeRows(sources, ['Stop-Package'], passThrough).map((e) => `  ${e.code} = ${powershellQuote(`${e.name}|${e.meaning}`)}`);
  return [
    '$ExitCodeTable = @{', ...rows, '}',
    `$ReservedExitCodes = @(${RESERVED_EXIT_CODES.windows.join(', ')})`,
    `$ReservedExitCodeReplacement = ${PackageExitCode.RESERVED_EXIT_CODE_REPLACED}`,
    ...(passThrough ? [`$PluginManagerExitCodes = @(${PLUGIN_MANAGER_CODES.join(', ')})`] : []),
  ].join('\n');
}

/**
 * A value the OOS template read from the ECS API (or from an earlier command's output), put
 * into a command as a quoted here-document (shell) or here-string (PowerShell): OOS substitutes
 * the reference as raw text, and a quote in it cannot end the quoting there. The template's
 * selectors write ids, enumerated values and `true`/`false` only; the wrappers check the form
 * of every item before they use it.
 */
const FACT_DELIMITER = 'APP_SNAPSHOT_FACT';

export function shellFact(variable: string, value: string): string {
  return `IFS= read -r ${variable} <<'${FACT_DELIMITER}'\n${value}\n${FACT_DELIMITER}`;
}

function powershellFact(variable: string, value: string): string {
  return `$${variable} = @'\n${value}\n'@`;
}

/** What the snapshot wrapper reads about the instance before it runs the plugin (OOS references). */
export interface PreflightFacts {
  /** The RAM role the run names (the plugin's RamRoleName). */
  readonly ramRoleName: string;
  /** The disk left out of the snapshot group, or empty. */
  readonly excludeDiskId: string;
  /** The role names attached to the instance, space-separated. */
  readonly attachedRoles: string;
  /** The instance's disks, `DISK_ID:CATEGORY:MULTI_ATTACH:INSTANCE_ID` space-separated. */
  readonly disks: string;
}

/** What the snapshot wrapper needs; values may be OOS references such as `{{ ramRoleName }}`. */
export interface SnapshotCommandOptions {
  /** The OS of the instances. */
  readonly os: OperatingSystem;
  /** The instance the command runs on (an OOS loop item reference). */
  readonly instanceId: string;
  /** The plugin's parameters by their plugin names. */
  readonly pluginParams: Readonly<Record<string, PluginParameterValue>>;
  /** `true` or `false` (or a reference resolving to one). */
  readonly requireAppConsistent: string;
  /** Seconds the wrapper gives the plugin before it stops it. */
  readonly deadlineSeconds: string;
  /** Expected checksums of the installed scripts (Linux). */
  readonly scriptChecksums?: { readonly prescript: string; readonly postscript: string };
  /** What the preflight checks. */
  readonly preflight: PreflightFacts;
}

/**
 * The static parts of a command without their comment-only and blank lines: those are for the
 * readers of templates/, not for the instance, and every byte counts against Cloud Assistant's
 * 16 KB. Safe because the bodies hold no here-documents or here-strings (a test checks).
 */
export function withoutComments(parts: readonly string[]): string {
  return parts.join('\n').split('\n').filter((l) => !/^\s*(#(?!!).*)?$/.test(l)).join('\n');
}

/**
 * Packs the static body of a shell command (the wrapper files and the exit-code table) as
 * gzip + Base64 in a quoted here-document that the command decodes and evaluates. Cloud
 * Assistant takes at most 16 KB of command after Base64, and the wrapper's readable source is
 * larger; the header that OOS substitutes (`{{ ... }}`) stays plain text before it. A body that
 * cannot be decoded ends the command with INVALID_INPUT's code (125) and a result line, never
 * with a silent success.
 */
export function packShellBody(header: readonly string[], body: readonly string[]): string {
  const source = withoutComments(body) + '\n';
  const packed = zlib.gzipSync(Buffer.from(source, 'utf8'), { level: 9 }).toString('base64').replace(/.{1,76}/g, '$&\n');
  return [
    ...header,
    `# Below: templates/oos and templates/instance files (sha256 ${sha256Hex(source).slice(0, 16)}), gzip + Base64 to fit Cloud Assistant's 16 KB.`,
    "if ! APP_SNAPSHOT_BODY=$(base64 -d <<'APP_SNAPSHOT_BODY_EOF' | gunzip) || [ -z \"$APP_SNAPSHOT_BODY\" ]; then",
    packed.trimEnd(),
    'APP_SNAPSHOT_BODY_EOF',
    '  echo "app-snapshot: cannot decode the command body (base64 and gzip are needed)" >&2',
    "  printf 'APP_SNAPSHOT_RESULT {\"instanceId\":\"%s\",\"exitCode\":125,\"consistency\":\"Failed\",\"snapshotGroupId\":null,\"message\":\"INVALID_INPUT: the command body could not be decoded\"}\\n' \"${APP_SNAPSHOT_INSTANCE_ID//[^a-z0-9-]/}\"",
    '  exit 125',
    'fi',
    'eval "$APP_SNAPSHOT_BODY"',
  ].join('\n') + '\n';
}

/**
 * The PowerShell counterpart of {@link packShellBody}: the static body (the wrapper files and the
 * exit-code table) gzip-compressed and Base64-encoded in a literal here-string, decoded with
 * .NET's GZipStream (in Windows PowerShell 5.1's framework) and dot-sourced, so that its
 * functions and `exit` act as if the body were written out. A body that cannot be decoded ends
 * with INVALID_INPUT's code (125) and a result line.
 */
export function packPowerShellBody(header: readonly string[], body: readonly string[]): string {
  const source = withoutComments(body) + '\n';
  const packed = zlib.gzipSync(Buffer.from(source, 'utf8'), { level: 9 }).toString('base64').replace(/.{1,76}/g, '$&\n');
  return [
    ...header,
    `# The body below is templates/oos files (sha256 ${sha256Hex(source).slice(0, 16)}), gzip + Base64:`,
    '# Cloud Assistant takes at most 16 KB of command after Base64, and their readable source is larger.',
    "$AppSnapshotBody = @'",
    packed.trimEnd(),
    "'@",
    "$AppSnapshotSource = ''",
    'try {',
    '  $AppSnapshotZip = New-Object System.IO.Compression.GZipStream((New-Object System.IO.MemoryStream(, [Convert]::FromBase64String($AppSnapshotBody))), [System.IO.Compression.CompressionMode]::Decompress)',
    '  $AppSnapshotSource = (New-Object System.IO.StreamReader($AppSnapshotZip, [System.Text.Encoding]::UTF8)).ReadToEnd()',
    '} catch { $AppSnapshotSource = \'\' }',
    'if (-not $AppSnapshotSource) {',
    '  Write-Output \'app-snapshot: cannot decode the command body (Base64 and gzip)\'',
    "  Write-Output ('APP_SNAPSHOT_RESULT {\"instanceId\":\"' + ($AppSnapshotInstanceId -replace '[^a-z0-9-]', '') + '\",\"exitCode\":125,\"consistency\":\"Failed\",\"snapshotGroupId\":null,\"message\":\"INVALID_INPUT: the command body could not be decoded\"}')",
    '  exit 125',
    '}',
    '. ([ScriptBlock]::Create($AppSnapshotSource))',
  ].join('\n') + '\n';
}

/** The exit-code functions for these template files (see shellExitCodeFunction), then the files. */
function withExitCodes(files: readonly string[], passThrough: boolean): string[] {
  const sources = files.map(readTemplate);
  return [shellExitCodeFunction(sources, passThrough), ...sources];
}

/** The exit-code table for these .ps1 template files (see powershellExitCodeTable), then the files. */
function withPowerShellExitCodes(files: readonly string[], passThrough: boolean, before: readonly string[] = []): string[] {
  const sources = files.map(readTemplate);
  return [powershellExitCodeTable(sources, passThrough), ...before, ...sources];
}

/** Builds the command the OOS template runs on each instance. */
export function buildSnapshotCommand(options: SnapshotCommandOptions): string {
  const params = encodePluginParams(options.os, options.pluginParams);
  if (options.os === OperatingSystem.WINDOWS) {
    return packPowerShellBody([
      '# Generated by ros-app-consistent-snapshot: takes an application-consistent snapshot (VSS).',
      `$AppSnapshotInstanceId = ${powershellQuote(options.instanceId)}`,
      `$AppSnapshotRequireAppConsistent = ${powershellQuote(options.requireAppConsistent)}`,
      `$AppSnapshotPlugin = ${powershellQuote(PLUGIN_NAME[options.os])}`,
      `$AppSnapshotPluginParams = ${powershellQuote(params)}`,
      `$AppSnapshotDeadlineSeconds = ${powershellQuote(options.deadlineSeconds)}`,
      `$AppSnapshotRamRoleName = ${powershellQuote(options.preflight.ramRoleName)}`,
      `$AppSnapshotExcludeDiskId = ${powershellQuote(options.preflight.excludeDiskId)}`,
      powershellFact('AppSnapshotAttachedRoles', options.preflight.attachedRoles),
      powershellFact('AppSnapshotDisks', options.preflight.disks),
    ], [
      ...withPowerShellExitCodes(['oos/windows-result.ps1', 'oos/windows-preflight.ps1', 'oos/windows-snapshot.ps1'], true,
        [`$PluginManagerTimeoutMarginSeconds = ${PLUGIN_MANAGER_TIMEOUT_MARGIN_SECONDS}`]),
    ]);
  }
  const sums = options.scriptChecksums ?? { prescript: '', postscript: '' };
  return packShellBody([
    '#!/bin/bash',
    '# Generated by ros-app-consistent-snapshot: takes an application-consistent snapshot.',
    '# shellcheck disable=SC2034 # the checksums are read through ${!name} in the body',
    `APP_SNAPSHOT_INSTANCE_ID=${shellQuote(options.instanceId)}`,
    `APP_SNAPSHOT_REQUIRE_APP_CONSISTENT=${shellQuote(options.requireAppConsistent)}`,
    `APP_SNAPSHOT_PLUGIN=${shellQuote(PLUGIN_NAME[options.os])}`,
    `APP_SNAPSHOT_PLUGIN_PARAMS=${shellQuote(params)}`,
    `APP_SNAPSHOT_DEADLINE_SECONDS=${shellQuote(options.deadlineSeconds)}`,
    `APP_SNAPSHOT_PRESCRIPT_SHA256=${shellQuote(sums.prescript)}`,
    `APP_SNAPSHOT_POSTSCRIPT_SHA256=${shellQuote(sums.postscript)}`,
    `APP_SNAPSHOT_RAM_ROLE_NAME=${shellQuote(options.preflight.ramRoleName)}`,
    `APP_SNAPSHOT_EXCLUDE_DISK_ID=${shellQuote(options.preflight.excludeDiskId)}`,
    shellFact('APP_SNAPSHOT_ATTACHED_ROLES', options.preflight.attachedRoles),
    shellFact('APP_SNAPSHOT_DISKS', options.preflight.disks),
  ], [
    scriptPathAssignments(),
    [
      `APP_SNAPSHOT_MANAGER_TIMEOUT_MARGIN_SECONDS=${PLUGIN_MANAGER_TIMEOUT_MARGIN_SECONDS}`,
      `APP_SNAPSHOT_STOP_GRACE_SECONDS=${PLUGIN_STOP_GRACE_SECONDS}`,
      `APP_SNAPSHOT_RECOVERY_THAW_SECONDS=${RECOVERY_THAW_SECONDS}`,
      `APP_SNAPSHOT_RECOVERY_POSTSCRIPT_SECONDS=${RECOVERY_POSTSCRIPT_SECONDS}`,
    ].join('\n'),
    ...withExitCodes(['instance/script-store.sh', 'oos/linux-result.sh', 'oos/linux-preflight.sh', 'oos/linux-snapshot.sh'], true),
  ]);
}

/**
 * What the verdict wrapper reads back after a successful snapshot run; values are OOS
 * references: to the execution's parameters, to the snapshot run's result and to what the
 * template read from the ECS API.
 */
export interface VerdictCommandOptions {
  readonly os: OperatingSystem;
  /** The instance. */
  readonly instanceId: string;
  /** `true` or `false`. */
  readonly requireAppConsistent: string;
  /** The disk left out of the snapshot group, or empty. */
  readonly excludeDiskId: string;
  /** The snapshot group id the snapshot run reported. */
  readonly snapshotGroupId: string;
  /** The consistency the snapshot run read from the plugin's log. */
  readonly logVerdict: string;
  /** `SNAPSHOT_GROUP_ID:STATUS:INSTANCE_ID` per group found. */
  readonly group: string;
  /** `SNAPSHOT_ID:DISK_ID` per snapshot of the group. */
  readonly members: string;
  /** `SNAPSHOT_ID:DISK_ID:STATUS:APP:FS` per snapshot. */
  readonly snapshots: string;
  /** The instance's disks, as the preflight read them. */
  readonly disks: string;
}

/** Builds the command that judges the snapshot group from its tags, on the instance. */
export function buildVerdictCommand(options: VerdictCommandOptions): string {
  const facts: Array<[string, string]> = [
    ['GROUP_ID', options.snapshotGroupId],
    ['LOG_VERDICT', options.logVerdict],
    ['GROUP', options.group],
    ['GROUP_MEMBERS', options.members],
    ['SNAPSHOTS', options.snapshots],
    ['DISKS', options.disks],
  ];
  if (options.os === OperatingSystem.WINDOWS) {
    const pascal = (name: string) => name.toLowerCase().replace(/(^|_)([a-z])/g, (_, __, c: string) => c.toUpperCase());
    return packPowerShellBody([
      '# Generated by ros-app-consistent-snapshot: judges a snapshot group from its tags.',
      `$AppSnapshotInstanceId = ${powershellQuote(options.instanceId)}`,
      `$AppSnapshotRequireAppConsistent = ${powershellQuote(options.requireAppConsistent)}`,
      `$AppSnapshotExcludeDiskId = ${powershellQuote(options.excludeDiskId)}`,
      ...facts.map(([name, value]) => powershellFact(`AppSnapshot${pascal(name)}`, value)),
    ], [
      ...withPowerShellExitCodes(['oos/windows-result.ps1', 'oos/windows-verdict.ps1'], false),
    ]);
  }
  return packShellBody([
    '#!/bin/bash',
    '# Generated by ros-app-consistent-snapshot: judges a snapshot group from its tags.',
    `APP_SNAPSHOT_INSTANCE_ID=${shellQuote(options.instanceId)}`,
    `APP_SNAPSHOT_REQUIRE_APP_CONSISTENT=${shellQuote(options.requireAppConsistent)}`,
    `APP_SNAPSHOT_EXCLUDE_DISK_ID=${shellQuote(options.excludeDiskId)}`,
    ...facts.map(([name, value]) => shellFact(`APP_SNAPSHOT_${name}`, value)),
  ], [
    ...withExitCodes(['oos/linux-result.sh', 'oos/linux-verdict.sh'], false),
  ]);
}

/**
 * Builds a shell command that verifies both installed scripts against the given checksums and
 * repairs them from the persistent copy (the same check the snapshot wrapper runs first). Exit
 * status 0 when both are in place (after repair if needed), 1 otherwise.
 */
export function buildScriptCheckCommand(checksums: { readonly prescript: string; readonly postscript: string }): string {
  return [
    '#!/bin/bash',
    '# Generated by ros-app-consistent-snapshot: verifies and repairs the quiesce scripts.',
    'set -uo pipefail',
    scriptPathAssignments(),
    readTemplate('instance/script-store.sh'),
    'status=0',
    `store_ensure prescript ${shellQuote(checksums.prescript)} || status=1`,
    `store_ensure postscript ${shellQuote(checksums.postscript)} || status=1`,
    'exit "$status"',
  ].join('\n') + '\n';
}

/** A script to install, by name. */
export interface ScriptPayload {
  readonly name: 'prescript' | 'postscript';
  readonly content: string;
}

/**
 * Builds the shell command that installs the scripts: the script store and installer body
 * (packed, see packShellBody), then each script gzip-compressed and Base64-encoded in a quoted
 * here-document (Base64 never holds the delimiter line), then the installation.
 */
export function buildScriptInstallCommand(payloads: readonly ScriptPayload[]): string {
  const contents = payloads.map((p) => Buffer.from(p.content, 'utf8'));
  const packed = zlib.gzipSync(Buffer.concat(contents), { level: 9 }).toString('base64').replace(/.{1,76}/g, '$&\n');
  let offset = 0;
  const stages = [`unpack_payloads <<'APP_SNAPSHOT_PAYLOAD_EOF'\n${packed}APP_SNAPSHOT_PAYLOAD_EOF`];
  payloads.forEach((p, i) => {
    stages.push(`stage_payload ${p.name} ${sha256Hex(p.content)} ${offset} ${contents[i].length}`);
    offset += contents[i].length;
  });
  return packShellBody([
    '#!/bin/bash',
    '# Generated by ros-app-consistent-snapshot: installs the quiesce scripts for app-snapshot-plugin.',
  ], [
    scriptPathAssignments(),
    readTemplate('instance/script-store.sh'),
    readTemplate('instance/install-scripts.sh'),
  ]) + [...stages, 'install_staged'].join('\n') + '\n';
}
