import * as path from 'path';
import { describeBats } from '../quiesce/run-bats';

// The generic restore-drill check on disks made in the throwaway root: see generic.bats.
describeBats('the generic restore-drill check', path.join(__dirname, 'generic.bats'), () => ({}), 240);
