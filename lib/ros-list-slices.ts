import * as ros from '@alicloud/ros-cdk-core';

/**
 * Slices of a list that is a ROS parameter (known only at deployment), for resources that take
 * at most `size` items each, up to `max` items in all: slice k holds items k*size to
 * (k+1)*size - 1, and exists only when the list has more than k*size items.
 *
 * The ROS functions it uses, and what the ROS documentation (help.aliyun.com/.../ros/user-guide/
 * function-*) says of them:
 * - `Fn::Select: [index, list, default]` returns the default when the index is outside the list
 *   ("If you specify an invalid index and specify a default value, the default value is
 *   returned"): documented. Used in conditions: whether item k*size exists.
 * - `Fn::Jq: [First, '.[from:to]', list]` filters with jq, whose slices stop at the end of the
 *   list (jq manual, to which the ROS page refers): documented. `Fn::Select` also slices
 *   (`start:stop:step`), but the page requires start and stop to be valid indexes, which the
 *   last slice's stop is not: so jq.
 * - `Fn::Equals`, `Fn::Not`, `Fn::And` with a condition's name: documented for the Conditions
 *   and Rules sections. That a condition may contain `Fn::Select` is not stated on the pages
 *   found (their "supported functions" lists could not be read): unconfirmed.
 * - A `Rules` assertion that is false refuses the stack before it is created or updated
 *   (help.aliyun.com/.../ros/user-guide/rules): documented.
 */

/** `Fn::Select: [index, list, '']`: the item at `index`, or `''` when the list is shorter. */
export function itemOrEmpty(list: string[], index: number): Record<string, unknown> {
  return { 'Fn::Select': [String(index), list, ''] };
}

/** A condition expression: true when the list has more than `count` items. */
export function moreThan(list: string[], count: number): ros.IRosConditionExpression {
  return ros.Fn.conditionNot(ros.Fn.conditionEquals('', itemOrEmpty(list, count)));
}

/** `Fn::Jq: [First, '.[from:to]', list]`: the items from `from` to `to` - 1 (fewer at the end). */
export function slice(list: string[], from: number, to: number): string[] {
  return ros.Fn.jq('First', `.[${from}:${to}]`, list as unknown as string) as unknown as string[];
}

/** One slice: its number (0-based), where it starts, and the items. */
export interface ListSlice {
  readonly index: number;
  readonly from: number;
  readonly items: string[];
}

/** The slices of `list` for resources of `size` items each, up to `max` items. */
export function slicesOf(list: string[], size: number, max: number): ListSlice[] {
  return Array.from({ length: Math.ceil(max / size) }, (_, index) => ({ index, from: index * size, items: slice(list, index * size, (index + 1) * size) }));
}

/** Properties of a {@link RosAssertionRule}. */
export interface RosAssertionRuleProps {
  /** The assertion: a condition expression that must hold. */
  readonly assert: ros.IRosConditionExpression;
  /** What the user reads when it does not. */
  readonly description: string;
}

/**
 * A rule of the template's `Rules` section with one assertion, written as the ROS documentation
 * shows it (`Assertions` a list of `{Assert, AssertDescription}`); ros-cdk-core's own RosRule
 * writes `Assertions` as a single mapping.
 */
export class RosAssertionRule extends ros.RosElement {
  private readonly props: RosAssertionRuleProps;

  constructor(scope: ros.Construct, id: string, props: RosAssertionRuleProps) {
    super(scope, id);
    this.props = props;
  }

  /** @internal */
  public _toRosTemplate(): object {
    return { Rules: { [this.logicalId]: { Assertions: [{ Assert: this.props.assert, AssertDescription: this.props.description }] } } };
  }
}
