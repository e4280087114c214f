import { ValidationError, checkPattern } from './validation';

/**
 * Where a role's permissions apply. Without a scope a policy names `*` as its resource; with
 * the account and region it names them, except for the calls that read (Describe / List / Get),
 * which RAM authorizes only on `*`.
 */
export interface ResourceScope {
  /** The Alibaba Cloud account id (digits). */
  readonly accountId: string;
  /** The region of the instances, e.g. `cn-hangzhou`. */
  readonly regionId: string;
}

/** A statement of a RAM policy, in the shape of the ros-cdk-ram L1 properties. */
export interface PolicyStatement {
  readonly effect: 'Allow';
  readonly action: string[];
  readonly resource: string[];
  readonly condition?: Record<string, unknown>;
}

/** Account ids: digits. */
export const ACCOUNT_ID_PATTERN = '^[0-9]{1,32}$';

/** Region ids: lowercase words joined by `-` (cn-hangzhou, ap-southeast-1). */
export const REGION_ID_PATTERN = '^[a-z]+(-[a-z0-9]+)+$';

/** Checks a scope; `field` names it in errors. */
export function checkResourceScope(field: string, scope: ResourceScope | undefined): void {
  if (scope === undefined) return;
  if (scope === null || typeof scope !== 'object') {
    throw new ValidationError(field, 'must be a mapping of accountId and regionId', scope);
  }
  checkPattern(`${field}.accountId`, scope.accountId, ACCOUNT_ID_PATTERN, 'must be the account id (digits only)');
  checkPattern(`${field}.regionId`, scope.regionId, REGION_ID_PATTERN, 'must be a region id such as cn-hangzhou');
}

/** Whether an action only reads: RAM authorizes those on `*` only. */
export function isReadAction(action: string): boolean {
  return /^[a-z]+:(Describe|List|Get)/.test(action);
}

/** Throws on an action that is a wildcard: nothing in the stack asks for `*`. */
export function checkNoWildcard(field: string, actions: readonly string[]): void {
  const wildcard = actions.find((a) => a.includes('*'));
  if (wildcard !== undefined) {
    throw new ValidationError(field, 'must not allow a wildcard action', wildcard);
  }
}

/**
 * The statements of a policy allowing `actions`: one statement on `*` without a scope; with a
 * scope, the reads on `*`, `ram:PassRole` on the named roles of the account, and every other
 * action on the scope's region and account (`acs:<service>:<region>:<account>:*`). An action
 * with a condition (`conditions`, by action) gets a statement of its own, on the same resources.
 */
export function policyStatements(actions: readonly string[], scope?: ResourceScope, passRoles: readonly string[] = [],
  conditions: Readonly<Record<string, Record<string, unknown>>> = {}): PolicyStatement[] {
  const conditional = actions.filter((a) => a in conditions);
  const plain = actions.filter((a) => !(a in conditions));
  const own = conditional.map((a): PolicyStatement => ({
    effect: 'Allow',
    action: [a],
    resource: scope === undefined || isReadAction(a) ? ['*'] : [`acs:${a.split(':')[0]}:${scope.regionId}:${scope.accountId}:*`],
    condition: conditions[a],
  }));
  return [...unconditionalStatements(plain, scope, passRoles), ...own];
}

function unconditionalStatements(actions: readonly string[], scope: ResourceScope | undefined, passRoles: readonly string[]): PolicyStatement[] {
  if (actions.length === 0) return [];
  if (scope === undefined) {
    return [{ effect: 'Allow', action: [...actions], resource: ['*'] }];
  }
  const reads = actions.filter(isReadAction);
  const passRole = actions.filter((a) => a === 'ram:PassRole');
  const writes = actions.filter((a) => !isReadAction(a) && a !== 'ram:PassRole');
  const statements: PolicyStatement[] = [];
  if (reads.length > 0) statements.push({ effect: 'Allow', action: reads, resource: ['*'] });
  const services = [...new Set(writes.map((a) => a.split(':')[0]))].sort();
  for (const service of services) {
    statements.push({
      effect: 'Allow',
      action: writes.filter((a) => a.startsWith(`${service}:`)),
      resource: [`acs:${service}:${scope.regionId}:${scope.accountId}:*`],
    });
  }
  if (passRole.length > 0) {
    statements.push({
      effect: 'Allow',
      action: passRole,
      // RAM shows role ARNs with the name in lower case; both spellings are listed.
      resource: passRoles.length > 0
        ? [...new Set(passRoles.flatMap((r) => [r, r.toLowerCase()]))].map((r) => `acs:ram::${scope.accountId}:role/${r}`)
        : [`acs:ram::${scope.accountId}:role/*`],
    });
  }
  return statements;
}
