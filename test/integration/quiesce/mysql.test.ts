import { MYSQL_CONFIGS } from './configs';
import { describeMatrix } from './run-bats';
import { mysqlVariants } from './variants';

// The MySQL / MariaDB pair against a real MariaDB server, in every configuration of the matrix:
// see mysql.bats (and mysql-extra.bats) for what each test does.
describeMatrix('mysql', MYSQL_CONFIGS, mysqlVariants, 600);
