import * as fs from 'fs';
import * as path from 'path';
import { PACKAGE_NAME, findPackageRoot, packagePath, packageRoot } from '../lib/package-root';
import { TEMPLATES_DIR } from '../lib/plugin/command';
import { SCRIPT_LIBRARY_DIR } from '../lib/quiesce-scripts';
import { REPO_ROOT, tempDir } from './helpers';

describe('the package root', () => {
  test('from source, it is the repository', () => {
    expect(packageRoot()).toBe(REPO_ROOT);
    expect(packagePath('templates', 'scripts')).toBe(path.join(REPO_ROOT, 'templates', 'scripts'));
    expect(TEMPLATES_DIR).toBe(path.join(REPO_ROOT, 'templates'));
    expect(SCRIPT_LIBRARY_DIR).toBe(path.join(REPO_ROOT, 'templates', 'scripts'));
  });

  test('installed, it is the package folder, not the app around it or a nameless package.json on the way', () => {
    // GIVEN an app with the package in node_modules, its build in dist/lib
    const app = tempDir('package-root-');
    const installed = path.join(app, 'node_modules', PACKAGE_NAME);
    fs.mkdirSync(path.join(installed, 'dist', 'lib', 'plugin'), { recursive: true });
    fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'my-backups' }));
    fs.writeFileSync(path.join(installed, 'package.json'), JSON.stringify({ name: PACKAGE_NAME }));
    fs.writeFileSync(path.join(installed, 'dist', 'package.json'), JSON.stringify({ type: 'commonjs' }));
    // WHEN it is looked up from a compiled module's folder THEN the package folder is found
    expect(findPackageRoot(path.join(installed, 'dist', 'lib', 'plugin'))).toBe(installed);
    expect(findPackageRoot(path.join(installed, 'dist', 'lib'))).toBe(installed);
    fs.rmSync(app, { recursive: true, force: true });
  });

  test('without the package above, it fails naming the package and the start', () => {
    const dir = tempDir('package-root-');
    expect(() => findPackageRoot(dir)).toThrow(new RegExp(`cannot find the root of ${PACKAGE_NAME}: no package.json named ${PACKAGE_NAME} above ${dir}`));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('no other module finds files relative to its own folder', () => {
    const sources = (dir: string): string[] => fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
      const full = path.join(dir, e.name);
      return e.isDirectory() ? sources(full) : /\.[jt]s$/.test(e.name) ? [full] : [];
    });
    const users = [...sources(path.join(REPO_ROOT, 'lib')), ...sources(path.join(REPO_ROOT, 'bin'))]
      .filter((f) => /__dirname|__filename/.test(fs.readFileSync(f, 'utf8')))
      .map((f) => path.relative(REPO_ROOT, f));
    expect(users).toEqual(['lib/package-root.ts']);
  });
});
