/** OOS facts that both the constructs and the template checker rely on. */

/** The format of task templates. */
export const OOS_FORMAT_VERSION = 'OOS-2019-06-01';

/** The largest template content OOS accepts, in bytes (64 KB). */
export const OOS_CONTENT_MAX_BYTES = 64 * 1024;
