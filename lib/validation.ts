import * as ros from '@alicloud/ros-cdk-core';

/**
 * The error every invalid input raises: it names the field, the rule and the value received,
 * so that a user can fix a posture file or props without reading code.
 */
export class ValidationError extends Error {
  constructor(public readonly field: string, public readonly rule: string, public readonly value: unknown) {
    super(`\`${field}\` ${rule}, got ${describeValue(value)}`);
    this.name = 'ValidationError';
  }
}

/** Renders a received value for an error message: short, quoted, never multi-line. */
export function describeValue(value: unknown): string {
  if (value === undefined) {
    return 'nothing';
  }
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

/** Whether a value is known at synth time (not a ROS token such as a parameter reference). */
export function isResolved(value: unknown): boolean {
  if (Array.isArray(value)) {
    return !ros.Token.isUnresolved(value) && value.every((v) => !ros.Token.isUnresolved(v));
  }
  return !ros.Token.isUnresolved(value);
}

/** Throws unless `value` matches `pattern`; does nothing for unresolved values. */
export function checkPattern(field: string, value: string | undefined, pattern: string, rule: string): void {
  if (value === undefined || !isResolved(value)) {
    return;
  }
  if (!new RegExp(pattern).test(value)) {
    throw new ValidationError(field, rule, value);
  }
}

/** Throws unless `value` is an integer within [min, max]; does nothing for unresolved values. */
export function checkIntegerRange(field: string, value: number | undefined, min: number, max: number): void {
  if (value === undefined || !isResolved(value)) {
    return;
  }
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ValidationError(field, `must be an integer from ${min} to ${max}`, value);
  }
}

/** Throws on the first duplicate of a list, naming its index. */
export function checkUnique(field: string, values: readonly string[]): void {
  const seen = new Map<string, number>();
  values.forEach((v, i) => {
    const first = seen.get(v);
    if (first !== undefined) {
      throw new ValidationError(`${field}[${i}]`, `must not repeat ${field}[${first}]`, v);
    }
    seen.set(v, i);
  });
}
