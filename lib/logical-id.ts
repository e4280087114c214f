import * as ros from '@alicloud/ros-cdk-core';

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
