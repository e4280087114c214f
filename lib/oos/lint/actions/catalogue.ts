import { ActionSpec } from './action-spec';
import { BUILTIN_ACTIONS } from './builtin-actions';
import { ActionCatalogue } from './catalogue-builder';
import storedCatalogue from './cloud-product-actions.json';

/**
 * Every action the checker knows: the built-in ones and the cloud-product actions catalogued
 * from Alibaba's published templates. Looked up without regard to case, as OOS does
 * (`ACS::ExecuteApi` is as common in published templates as `ACS::ExecuteAPI`).
 */

const CLOUD_PRODUCT_ACTIONS: readonly ActionSpec[] = Object.entries(storedCatalogue as ActionCatalogue)
  .map(([name, action]) => ({ name, kind: 'cloud-product', properties: action.properties, outputs: action.outputs, loopable: true }));

const BY_LOWER_NAME = new Map<string, ActionSpec>(
  [...BUILTIN_ACTIONS, ...CLOUD_PRODUCT_ACTIONS].map((action) => [action.name.toLowerCase(), action]));

/** The action named `name`, if the checker knows it. */
export function findAction(name: string): ActionSpec | undefined {
  return BY_LOWER_NAME.get(name.toLowerCase());
}

/** Whether a task with this action may loop (unknown actions are given the benefit of the doubt). */
export function isLoopableAction(name: string): boolean {
  return findAction(name)?.loopable ?? true;
}

/** Whether the action calls a cloud API with Service/API/Parameters (ACS::ExecuteAPI, ACS::WaitFor, ACS::CheckFor). */
export function isApiCallAction(name: string): boolean {
  return findAction(name)?.kind === 'api';
}
