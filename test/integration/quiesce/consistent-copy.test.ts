import * as fs from 'fs';
import * as path from 'path';
import { produceConsistentCopy } from './consistent-copy';
import { REPO_ROOT } from './run-bats';

// The copy other tests reuse (restore drills): made from a real server under load, checked, and
// left with what restoring it needs.
test('produceConsistentCopy: PostgreSQL (archive configuration, strict mode) leaves the disk, its backup label and WAL archive, and a passed check', () => {
  const dest = path.join(REPO_ROOT, 'test-results', 'consistent-copy', 'postgresql-archive-strict');
  fs.rmSync(dest, { recursive: true, force: true });
  const copy = produceConsistentCopy('postgresql', 'archive', dest, { strict: true });
  expect(copy.record).toMatchObject({ engine: 'postgresql', config: 'archive', preStatus: 0, postStatus: 0, dataDir: 'pg', backupLabel: 'backup_label', walArchive: 'wal-archive', holdStatus: 'held' });
  expect(copy.check).toMatchObject({ consistent: true, recovery: 'backup-label', backupRecoveryCompleted: true });
  expect(fs.statSync(copy.disk).size).toBe(1024 * 1024 * 1024);
  expect(fs.readFileSync(path.join(dest, 'backup_label'), 'utf8')).toMatch(/^START WAL LOCATION: /);
  expect(fs.readdirSync(path.join(dest, 'wal-archive')).length).toBeGreaterThan(0);
}, 320_000);
