import * as fs from 'fs';
import * as path from 'path';
import { isDeepStrictEqual } from 'util';
import { lintTemplate } from '../../lib/oos/lint';
import { buildActionCatalogue, CATALOGUE_FILE, catalogueText, readCloudProductActionTemplates } from '../../lib/oos/lint/actions/catalogue-builder';
import { parseTemplateText } from '../../lib/oos/lint/parse';
import { CORPUS_DIR } from './fixtures';

/** Every template file of the corpus, relative to it. */
function corpusFiles(dir = CORPUS_DIR): string[] {
  // A missing corpus throws here, failing the suite rather than skipping the tests.
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      return corpusFiles(full);
    }
    return /\.(json|ya?ml)$/.test(entry.name) ? [path.relative(CORPUS_DIR, full)] : [];
  }).sort();
}

const FILES = corpusFiles();
const read = (file: string) => fs.readFileSync(path.join(CORPUS_DIR, file), 'utf8');

describe('oos-lint on the templates Alibaba publishes', () => {
  test('the corpus is there, complete', () => {
    // 311 templates, each in YAML and in JSON (see the corpus README).
    expect(FILES).toHaveLength(622);
  });

  test.each(FILES)('accepts %s', (file) => {
    const result = lintTemplate(read(file), { name: file });
    expect(result.findings.filter((f) => f.severity === 'error')).toEqual([]);
  });

  test('reads each YAML template as its published JSON twin', () => {
    // The JSON twins were produced from the YAML by Alibaba's tooling: they settle how YAML 1.1
    // words (`No`) and loosely indented strings are read.
    const yamlFiles = FILES.filter((f) => /\.ya?ml$/.test(f));
    const differing = yamlFiles.filter((file) => {
      const twin = file.replace(`${path.sep}YAML${path.sep}`, `${path.sep}JSON${path.sep}`).replace(/\.ya?ml$/, '.json');
      const context = { name: file, strict: false };
      return !isDeepStrictEqual(parseTemplateText(read(file), context).value, parseTemplateText(read(twin), context).value);
    });
    expect(yamlFiles).toHaveLength(311);
    expect(differing).toEqual([]);
  });

  test('strict mode turns the published leniencies into errors', () => {
    // GIVEN the template behind ACS::ECS::RunCommand, which reads `runCommand.InvokeId` where the
    // output is `invokeId` and passes `InstanceIds`, a field the SDK's RunCommand request lacks
    const file = path.join('CloudProductActions', 'ECS', 'YAML', 'ACS__ECS__RunCommand.yml');
    // WHEN it is checked strictly
    const result = lintTemplate(read(file), { name: file, strict: true });
    // THEN both are errors
    expect(result.findings.filter((f) => f.severity === 'error').map((f) => `${f.rule} ${f.path}`)).toEqual([
      'references Tasks[3](checkInvocationResult).Properties.Parameters.InvokeId',
      'ecs-api Tasks[0](runCommand).Properties.Parameters.InstanceIds',
    ]);
  });

  test('the stored cloud-product action catalogue is the one the corpus gives', () => {
    const built = catalogueText(buildActionCatalogue(readCloudProductActionTemplates(CORPUS_DIR)));
    expect(fs.readFileSync(CATALOGUE_FILE, 'utf8')).toBe(built);
  });
});
