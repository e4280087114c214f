/** What the checker knows of an OOS action. */

/** One property of an action. */
export interface ActionPropertySpec {
  /** Whether a task must set it. */
  readonly required: boolean;
  /** The only values it takes, when the action restricts them. */
  readonly allowedValues?: readonly unknown[];
}

/** An action: its properties and what it allows. */
export interface ActionSpec {
  /** The action's name as OOS documents it (OOS matches action names without regard to case). */
  readonly name: string;
  /** `functional` and `api` actions are built into OOS; `cloud-product` actions are templates Alibaba publishes. */
  readonly kind: 'functional' | 'api' | 'cloud-product';
  /** Its properties by name. */
  readonly properties: Readonly<Record<string, ActionPropertySpec>>;
  /** Groups of properties of which a task must set at least one. */
  readonly requireOneOf?: readonly (readonly string[])[];
  /** For cloud-product actions, the outputs a task's ValueSelector picks from. */
  readonly outputs?: readonly string[];
  /** Whether a task with this action may have a Loop. */
  readonly loopable: boolean;
}
