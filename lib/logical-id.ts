import * as ros from '@alicloud/ros-cdk-core';
import { sha256Hex } from './plugin/command';
import { isResolved } from './validation';

/** A short fingerprint of values, for a logical id: 8 upper-case hex digits of their JSON's sha256. */
export function resourceFingerprint(...parts: unknown[]): string {
  return sha256Hex(JSON.stringify(parts)).slice(0, 8).toUpperCase();
}

/**
 * The construct id of an `ALIYUN::OOS::Template` named `templateName`: {@link uniqueResourceId}
 * of `localId` followed by a fingerprint of the name. ROS cannot update a template's name, so a
 * renamed template must be a new resource (ROS creates it, then deletes the old one), which a
 * new logical id gives; nothing else changes. A name given as a ROS parameter (unresolved) has
 * no fingerprint: its parameter's description says it is fixed once the stack exists.
 */
export function templateResourceId(scope: ros.Construct, localId: string, templateName: string): string {
  return uniqueResourceId(scope, isResolved(templateName) ? `${localId}${resourceFingerprint(templateName)}` : localId);
}

/**
 * ros-cdk-core names a resource in the template after its construct id alone (and ignores
 * overrideLogicalId), so two groups in one stack would both have a resource `Role`. This
 * returns the construct id to give a resource created as `localId` under `scope`, built from
 * its construct path below the stack: `db/Role/Role` becomes
 * `DbRole`, `db/Automation/Template` becomes `DbAutomationTemplate`. Deterministic, readable,
 * and unique as long as the paths are (group names that differ only in `-` or case could
 * collide: that is reported at construction, naming both paths).
 */
export function uniqueResourceId(scope: ros.Construct, localId: string): string {
  const stack = ros.Stack.of(scope);
  const scopes = scope.node.scopes;
  const components = [...scopes.slice(scopes.indexOf(stack) + 1).map((s) => s.node.id), localId];
  const path = [...components].join('/');
  const words = components
    .map((c) => c.replace(/[^A-Za-z0-9]+(.)?/g, (_, ch: string | undefined) => (ch ? ch.toUpperCase() : '')))
    .map((c) => c.charAt(0).toUpperCase() + c.slice(1))
    .filter((c, i, all) => c.length > 0 && c !== all[i - 1]);
  const logicalId = words.join('');
  let used = USED.get(stack);
  if (!used) {
    used = new Map();
    USED.set(stack, used);
  }
  const other = used.get(logicalId);
  if (other !== undefined) {
    throw new Error(`the resources ${other} and ${path} would both be named ${logicalId} in the template: give their groups names that differ in more than \`-\` or letter case`);
  }
  used.set(logicalId, path);
  return logicalId;
}

const USED = new WeakMap<ros.Stack, Map<string, string>>();
