import { POSTGRESQL_CONFIGS } from './configs';
import { describeMatrix } from './run-bats';
import { postgresqlVariants } from './variants';

// The PostgreSQL pair against a real PostgreSQL server, in every configuration of the matrix:
// see postgresql.bats, postgresql-strict.bats, postgresql-noarchive.bats and postgresql-extra.bats.
describeMatrix('postgresql', POSTGRESQL_CONFIGS, postgresqlVariants, 600);
