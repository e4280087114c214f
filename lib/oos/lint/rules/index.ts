import { LintRule } from '../types';
import { actionPropertiesRule } from './action-properties';
import { contentSizeRule } from './content-size';
import { ecsApiRule } from './ecs-api';
import { formatVersionRule } from './format-version';
import { jqSubsetRule } from './jq-subset';
import { loopRule } from './loop';
import { outputsRule } from './outputs';
import { parametersRule } from './parameters';
import { referencesRule } from './references';
import { structureRule } from './structure';
import { taskNamesRule } from './task-names';
import { transitionsRule } from './transitions';

/** Every rule, in the order findings are reported. */
export const OOS_LINT_RULES: readonly LintRule[] = [
  formatVersionRule,
  structureRule,
  contentSizeRule,
  parametersRule,
  taskNamesRule,
  transitionsRule,
  referencesRule,
  loopRule,
  outputsRule,
  actionPropertiesRule,
  ecsApiRule,
  jqSubsetRule,
];
