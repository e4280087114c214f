import { MAX_OOS_LOOP_ITEMS, checkInstanceIds } from './instance-ids';
import { ValidationError, isResolved } from './validation';

/**
 * Which instances a group covers: a list of ids, or every instance carrying all of a set of tags
 * (selected by OOS `ACS::SelectTargets` each time a template runs, so that an instance tagged
 * later is covered from the next run on).
 */
export interface TargetSelection {
  /** The instances, by id (or a ROS list parameter). */
  readonly instanceIds?: string[];
  /** The instances that carry every one of these tags (key: value). */
  readonly tags?: Readonly<Record<string, string>>;
}

/** How constructs take a selection: `instanceIds` or `targetTags`. */
export interface TargetProps {
  /**
   * The instances by id (or a ROS list parameter). Give either this or `targetTags`.
   *
   * @default - the instances selected by `targetTags`
   */
  readonly instanceIds?: string[];
  /**
   * The instances that carry all these tags, selected at each run (`ACS::SelectTargets`).
   *
   * @default - the instances listed in `instanceIds`
   */
  readonly targetTags?: Readonly<Record<string, string>>;
}

/** The selection a construct's props make. */
export function targetsOf(props: TargetProps): TargetSelection {
  return { instanceIds: props.instanceIds, tags: props.targetTags };
}

/** The name of the task that selects the instances by tags. */
export const SELECT_TASK_NAME = 'selectInstances';

/** The most tags one selection takes. */
export const MAX_TARGET_TAGS = 20;

/** The OOS parameter that holds the target tags (`[{Key, Value}]`). */
export const TARGET_TAGS_PARAMETER = 'targetTags';

/** The OOS parameter that holds the instance ids. */
export const INSTANCE_IDS_PARAMETER = 'instanceIds';

/** jq over the ACS::SelectTargets result: the selected ids. */
export const SELECTED_IDS_SELECTOR = '.Instances.Instance[]?.InstanceId';

/** jq over the ACS::SelectTargets result: how many instances the tags select. */
export const SELECTED_COUNT_SELECTOR = '.Instances.Instance | length';

/** jq over the ACS::SelectTargets result: `true` when one OOS loop takes them all, else `false`. */
export const SELECTION_FITS_SELECTOR = `.Instances.Instance | length <= ${MAX_OOS_LOOP_ITEMS} | tostring`;

/**
 * The task a parent goes to when the tags select more instances than one OOS loop takes (a
 * silent cut would leave instances unprotected). No OOS action fails with a message of its own,
 * so it is an `ACS::CheckFor` that cannot pass: its value says what is wrong (with the count, a
 * reference OOS substitutes in selectors) and is not the one desired. It reads DescribeInstances
 * by the same tags, one item, which the instances' execution role may already do.
 */
export const OVER_LIMIT_TASK_NAME = 'refuseMoreThan1000Instances';

/** Tag keys and values as ECS takes them. */
function checkTag(field: string, key: string, value: unknown): void {
  if (typeof value !== 'string') {
    throw new ValidationError(`${field}.${key}`, 'must be a string (the tag value)', value);
  }
  if (key.length < 1 || key.length > 128 || /^(aliyun|acs:)/i.test(key) || /^https?:\/\//.test(key)) {
    throw new ValidationError(field, 'must have keys of 1 to 128 characters that start neither with `aliyun` nor `acs:` nor http(s)://', key);
  }
  if (value.length > 128 || /^(aliyun|acs:)/i.test(value) || /^https?:\/\//.test(value)) {
    throw new ValidationError(`${field}.${key}`, 'must be at most 128 characters and start neither with `aliyun` nor `acs:` nor http(s)://', value);
  }
}

/**
 * Checks a selection: exactly one of instanceIds and tags; ids well-formed and unique; 1 to 20
 * tags. `prefix` names the fields (`instanceIds`, `targetTags`) in errors.
 */
export function checkTargets(t: TargetSelection, prefix = ''): void {
  if ((t.instanceIds === undefined) === (t.tags === undefined)) {
    throw new ValidationError(`${prefix}instanceIds`, 'or targetTags must be given, not both and not neither (instances by id, or by tags)',
      t.instanceIds === undefined ? t.instanceIds : { instanceIds: t.instanceIds, targetTags: t.tags });
  }
  if (t.instanceIds !== undefined) {
    checkInstanceIds(`${prefix}instanceIds`, t.instanceIds);
    return;
  }
  const tags = t.tags as Record<string, string>;
  if (tags === null || typeof tags !== 'object' || Array.isArray(tags)) {
    throw new ValidationError(`${prefix}targetTags`, 'must be a mapping of tag keys to values', tags);
  }
  const keys = Object.keys(tags);
  if (keys.length === 0 || keys.length > MAX_TARGET_TAGS) {
    throw new ValidationError(`${prefix}targetTags`, `must hold 1 to ${MAX_TARGET_TAGS} tags`, tags);
  }
  keys.forEach((k) => checkTag(`${prefix}targetTags`, k, tags[k]));
}

/** Whether the selection is by tags. */
export function byTags(t: TargetSelection): boolean {
  return t.tags !== undefined;
}

/** The tags as OOS and ECS take them: `[{Key, Value}]`, in key order (deterministic). */
export function tagList(tags: Readonly<Record<string, string>>): Array<{ Key: string; Value: string }> {
  return Object.keys(tags).sort().map((k) => ({ Key: k, Value: tags[k] }));
}

/**
 * The parent template's parameter that names the instances: `instanceIds` (a List, with the ids
 * as its default when they fit one loop; without a default when the ids are passed per shard),
 * or `targetTags` (Json `[{Key, Value}]`, the tags as default).
 */
export function targetParameters(t: TargetSelection, what: string): Record<string, Record<string, unknown>> {
  if (t.tags !== undefined) {
    return {
      [TARGET_TAGS_PARAMETER]: {
        Type: 'Json',
        Label: { en: 'Instance tags' },
        Description: { en: `${what}: every instance of the region that carries all these tags (selected at each run)` },
        AssociationProperty: 'Tags',
        Default: tagList(t.tags),
      },
    };
  }
  const ids = t.instanceIds ?? [];
  const fits = !isResolved(ids) || ids.length <= MAX_OOS_LOOP_ITEMS;
  return {
    [INSTANCE_IDS_PARAMETER]: {
      Type: 'List',
      Label: { en: 'Instances' },
      Description: { en: fits ? what : `${what} (at most ${MAX_OOS_LOOP_ITEMS} per execution: the scheduled executions pass one shard each)` },
      AssociationProperty: 'ALIYUN::ECS::Instance::InstanceId',
      ...(fits ? { Default: ids } : {}),
    },
  };
}

/** The tasks that come before the loop: the selection by tags, or none. */
export function targetTasks(t: TargetSelection): Array<Record<string, unknown>> {
  if (t.tags === undefined) {
    return [];
  }
  return [{
    Name: SELECT_TASK_NAME,
    Action: 'ACS::SelectTargets',
    Description: { en: 'Selects the instances of the region that carry all the target tags' },
    Properties: {
      ResourceType: 'ALIYUN::ECS::Instance',
      RegionId: '{{ regionId }}',
      Filters: [{ Type: 'Tags', RegionId: '{{ regionId }}', Tags: `{{ ${TARGET_TAGS_PARAMETER} }}` }],
    },
    Outputs: {
      instanceIds: { Type: 'List', ValueSelector: SELECTED_IDS_SELECTOR },
      selectedCount: { Type: 'Number', ValueSelector: SELECTED_COUNT_SELECTOR },
      fitsOneLoop: { Type: 'String', ValueSelector: SELECTION_FITS_SELECTOR },
    },
  }];
}

/**
 * What a parent does before its loop: ends the execution when there is no instance (a loop over
 * an empty list is not documented: Alibaba's templates guard theirs with `ACS::Choice` and
 * `Fn::Equals: [[], list]`), goes to {@link OVER_LIMIT_TASK_NAME} when the tags select more than
 * one loop takes, and otherwise to the loop task `loopTask`. The first task is the choice; a
 * tag selection adds the refusal after it.
 */
export function loopGuardTasks(t: TargetSelection, guardName: string, loopTask: string): Array<Record<string, unknown>> {
  const choices: Array<Record<string, unknown>> = [{ When: noInstanceCondition(t), NextTask: 'ACS::END' }];
  if (t.tags === undefined) {
    return [guardTask(guardName, loopTask, choices)];
  }
  choices.push({ When: { 'Fn::Equals': ['false', `{{ ${SELECT_TASK_NAME}.fitsOneLoop }}`] }, NextTask: OVER_LIMIT_TASK_NAME });
  const message = `the tags select {{ ${SELECT_TASK_NAME}.selectedCount }} instances, more than the ${MAX_OOS_LOOP_ITEMS} one OOS loop takes: narrow the group with another tag`;
  return [guardTask(guardName, loopTask, choices), {
    Name: OVER_LIMIT_TASK_NAME,
    Action: 'ACS::CheckFor',
    Description: { en: `Fails the execution when the tags select more than ${MAX_OOS_LOOP_ITEMS} instances (one OOS loop), naming the count, rather than leave some out` },
    Properties: {
      Service: 'ECS',
      API: 'DescribeInstances',
      Parameters: { RegionId: '{{ regionId }}', Tag: `{{ ${TARGET_TAGS_PARAMETER} }}`, MaxResults: 1 },
      PropertySelector: JSON.stringify(message),
      DesiredValues: [`at most ${MAX_OOS_LOOP_ITEMS} instances`],
    },
  }];
}

/** `Fn::Equals: [[], list]`: true when there is no instance to loop over. */
export function noInstanceCondition(t: TargetSelection): Record<string, unknown> {
  return { 'Fn::Equals': [[], loopItems(t)] };
}

function guardTask(name: string, loopTask: string, choices: Array<Record<string, unknown>>): Record<string, unknown> {
  return {
    Name: name,
    Action: 'ACS::Choice',
    Description: { en: 'Ends the execution when there is no instance (a loop over an empty list is not documented)' },
    Properties: { DefaultTask: loopTask, Choices: choices },
  };
}

/** What the loop iterates over. */
export function loopItems(t: TargetSelection): string {
  return t.tags !== undefined ? `{{ ${SELECT_TASK_NAME}.instanceIds }}` : `{{ ${INSTANCE_IDS_PARAMETER} }}`;
}
