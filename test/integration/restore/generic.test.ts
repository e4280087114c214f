import * as path from 'path';
import { describeRestoreBats } from './run-restore';

// The generic restore-drill check on disks made in the throwaway root: see generic.bats.
describeRestoreBats('the generic restore-drill check', path.join(__dirname, 'generic.bats'), 240);
