import * as fs from 'fs';
import * as path from 'path';

/** This package's name, as its package.json spells it. */
export const PACKAGE_NAME = 'ros-app-consistent-snapshot';

let root: string | undefined;

/**
 * Finds the package root by walking up from `start` to the first package.json named `name`.
 * Exported for tests; code uses {@link packageRoot}.
 */
export function findPackageRoot(start: string, name: string = PACKAGE_NAME): string {
  for (let dir = path.resolve(start); ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (fs.existsSync(manifest)) {
      try {
        if ((JSON.parse(fs.readFileSync(manifest, 'utf8')) as { name?: unknown }).name === name) {
          return dir;
        }
      } catch {
        // An unreadable package.json on the way up is not ours: go on.
      }
    }
    if (path.dirname(dir) === dir) {
      throw new Error(`cannot find the root of ${name}: no package.json named ${name} above ${start}`);
    }
  }
}

/**
 * The directory that holds this package's package.json, `templates/` and `schema/`: the
 * repository when running from source (lib/*.ts) or from its build (dist/lib/*.js), and
 * `node_modules/ros-app-consistent-snapshot` when installed. Every file the package ships and
 * reads is found from here, never relative to a module's own directory.
 */
export function packageRoot(): string {
  root ??= findPackageRoot(__dirname);
  return root;
}

/** A path inside the package, e.g. `packagePath('templates', 'oos', 'run-snapshot.sh')`. */
export function packagePath(...parts: string[]): string {
  return path.join(packageRoot(), ...parts);
}
