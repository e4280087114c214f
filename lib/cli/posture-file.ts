import { Posture, loadPostureFile } from '../posture/loader';
import { ValidationError } from '../validation';

/**
 * Loads the posture file a command was given: by `--posture` (`fromOption`) or by
 * APP_SNAPSHOT_CONFIG. A file that cannot be read is reported under the name it was given by.
 */
export function loadPostureArgument(file: string, fromOption: boolean): Posture {
  try {
    return loadPostureFile(file);
  } catch (e) {
    if (fromOption && e instanceof ValidationError && e.field === 'APP_SNAPSHOT_CONFIG') {
      throw new ValidationError('--posture', e.rule, e.value);
    }
    throw e;
  }
}
