import * as fs from 'fs';
import * as path from 'path';
import { packagePath } from '../../../package-root';
import { isMap, mapAt } from '../template-model';
import { ActionPropertySpec } from './action-spec';

/**
 * Builds the catalogue of cloud-product actions from the templates behind them. A template named
 * `ACS__ECS__RunCommand` is the action `ACS::ECS::RunCommand`; its parameters are the action's
 * properties, required when they have no Default; its outputs are what tasks can select.
 *
 * Regenerate `cloud-product-actions.json` after updating the corpus of published templates:
 * `npx ts-node --transpile-only lib/oos/lint/actions/catalogue-builder.ts ../shared/oos-templates`
 */

/** One catalogued action, as stored. */
export interface CataloguedAction {
  readonly properties: Readonly<Record<string, ActionPropertySpec>>;
  readonly outputs: readonly string[];
}

/** The stored catalogue: action name to what it takes and gives. */
export type ActionCatalogue = Readonly<Record<string, CataloguedAction>>;

/** The catalogue built from `{fileName, template}` pairs (JSON-parsed templates). */
export function buildActionCatalogue(templates: ReadonlyArray<{ fileName: string; template: unknown }>): ActionCatalogue {
  const entries = templates.map(({ fileName, template }) => {
    const name = path.basename(fileName).replace(/\.(json|ya?ml)$/, '').split('__').join('::');
    const root = isMap(template) ? template : {};
    const properties: Record<string, ActionPropertySpec> = {};
    for (const [property, definition] of Object.entries(mapAt(root, 'Parameters')).sort(([a], [b]) => a.localeCompare(b))) {
      const parameter = isMap(definition) ? definition : {};
      properties[property] = {
        required: !('Default' in parameter),
        ...(Array.isArray(parameter.AllowedValues) ? { allowedValues: parameter.AllowedValues } : {}),
      };
    }
    return [name, { properties, outputs: Object.keys(mapAt(root, 'Outputs')).sort() }] as const;
  });
  return Object.fromEntries(entries.sort(([a], [b]) => a.localeCompare(b)));
}

/** The JSON templates under `<corpus>/CloudProductActions/<Product>/JSON/`. */
export function readCloudProductActionTemplates(corpus: string): Array<{ fileName: string; template: unknown }> {
  const root = path.join(corpus, 'CloudProductActions');
  return fs.readdirSync(root).sort().flatMap((product) => {
    const dir = path.join(root, product, 'JSON');
    return fs.existsSync(dir)
      ? fs.readdirSync(dir).filter((f) => f.endsWith('.json')).sort()
        .map((f) => ({ fileName: f, template: JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as unknown }))
      : [];
  });
}

/** The file the catalogue is stored in. */
export const CATALOGUE_FILE = packagePath('lib', 'oos', 'lint', 'actions', 'cloud-product-actions.json');

/** The catalogue as stored text (stable order, trailing newline). */
export function catalogueText(catalogue: ActionCatalogue): string {
  return `${JSON.stringify(catalogue, null, 2)}\n`;
}

if (require.main === module) {
  const corpus = process.argv[2] ?? packagePath('..', 'shared', 'oos-templates');
  fs.writeFileSync(CATALOGUE_FILE, catalogueText(buildActionCatalogue(readCloudProductActionTemplates(corpus))));
  process.stdout.write(`wrote ${CATALOGUE_FILE}\n`);
}
