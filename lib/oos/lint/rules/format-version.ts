import { finding, show } from '../template-model';
import { LintRule } from '../types';

import { OOS_FORMAT_VERSION } from '../../limits';

export { OOS_FORMAT_VERSION };
/** The format of state templates (a `States` list instead of `Tasks`). */
export const OOS_STATE_FORMAT_VERSION = 'OOS-2019-06-01-State';

/** `FormatVersion` is present and one OOS knows. */
export const formatVersionRule: LintRule = {
  id: 'format-version',
  summary: `FormatVersion is ${OOS_FORMAT_VERSION} (or ${OOS_STATE_FORMAT_VERSION} for a state template)`,
  check: (template) => {
    const version = template.root.FormatVersion;
    if (version === undefined) {
      return [finding('format-version', 'error', 'FormatVersion', `missing: OOS rejects a template without FormatVersion (${OOS_FORMAT_VERSION})`)];
    }
    if (version !== OOS_FORMAT_VERSION && version !== OOS_STATE_FORMAT_VERSION) {
      return [finding('format-version', 'error', 'FormatVersion',
        `${show(version)} is not a format OOS knows: use ${OOS_FORMAT_VERSION} (or ${OOS_STATE_FORMAT_VERSION} for a state template)`)];
    }
    return [];
  },
};
