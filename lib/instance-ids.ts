import { INSTANCE_ID_PATTERN } from './plugin/parameters';
import { ValidationError, checkUnique, isResolved } from './validation';

/** The most instances one ALIYUN::ECS::RamRoleAttachment takes (AttachInstanceRamRole). */
export const MAX_INSTANCES_PER_ROLE_ATTACHMENT = 100;

/**
 * The most instances this package gives one ALIYUN::ECS::RunCommand. The API's per-call limit
 * is not documented where this package could confirm it; 50 is a safe bound.
 */
export const MAX_INSTANCES_PER_RUN_COMMAND = 50;

/** The most items an OOS loop takes: the most instances one automation template can loop over. */
export const MAX_OOS_LOOP_ITEMS = 1000;

/** Checks a resolved list of instance ids: not empty, each `i-...`, no duplicates. */
export function checkInstanceIds(field: string, ids: readonly string[]): void {
  if (!isResolved(ids)) {
    return;
  }
  if (ids.length === 0) {
    throw new ValidationError(field, 'must list at least one instance id', ids);
  }
  ids.forEach((id, i) => {
    if (typeof id !== 'string' || !new RegExp(INSTANCE_ID_PATTERN).test(id)) {
      throw new ValidationError(`${field}[${i}]`, 'must be an ECS instance id of the form `i-` followed by 8 to 32 lowercase letters or digits', id);
    }
  });
  checkUnique(field, ids);
}

/** Splits a list into chunks of at most `size`, in order. */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) {
    out.push(items.slice(i, i + size));
  }
  return out;
}

/** Throws when a resolved list is longer than one OOS loop takes. */
export function checkLoopSize(field: string, ids: readonly string[]): void {
  if (isResolved(ids) && ids.length > MAX_OOS_LOOP_ITEMS) {
    throw new ValidationError(field, `must list at most ${MAX_OOS_LOOP_ITEMS} instances (an OOS loop takes at most ${MAX_OOS_LOOP_ITEMS} items): split the group`, `${ids.length} instances`);
  }
}
