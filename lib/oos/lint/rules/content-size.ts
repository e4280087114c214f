import { finding } from '../template-model';
import { LintRule } from '../types';

import { OOS_CONTENT_MAX_BYTES } from '../../limits';

export { OOS_CONTENT_MAX_BYTES };

/** The template's content is at most 64 KB. */
export const contentSizeRule: LintRule = {
  id: 'content-size',
  summary: `the content is at most ${OOS_CONTENT_MAX_BYTES} bytes (64 KB)`,
  check: (template) => (template.contentBytes > OOS_CONTENT_MAX_BYTES
    ? [finding('content-size', 'error', '',
      `the content is ${template.contentBytes} bytes, more than the ${OOS_CONTENT_MAX_BYTES} bytes OOS accepts: creating or updating the template fails`)]
    : []),
};
