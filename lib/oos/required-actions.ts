/**
 * The RAM actions an OOS execution of a template needs: derived from the template's tasks, so
 * that the execution role allows exactly what the template calls and nothing else.
 */

/**
 * The API calls behind each cloud-product action this package uses, as `service:API`. Read off
 * the templates Alibaba publishes for these actions (a test checks the table against them).
 */
export const CLOUD_PRODUCT_ACTION_CALLS: Readonly<Record<string, readonly string[]>> = {
  'ACS::ECS::RunCommand': ['ecs:RunCommand', 'ecs:DescribeInvocations', 'ecs:DescribeInvocationResults'],
};

/**
 * The actions RAM checks besides an API's own when that API is called: the "associated
 * operations" of the authorization table in the API's documentation, by `service:API`.
 * AttachInstanceRamRole hands a role to an instance, so the caller must be allowed to pass it.
 */
export const ASSOCIATED_ACTIONS: Readonly<Record<string, readonly string[]>> = {
  'ecs:AttachInstanceRamRole': ['ram:PassRole'],
};

/** Actions that call no API of their own. */
const LOCAL_ACTIONS = new Set(['ACS::Choice', 'ACS::Sleep', 'ACS::Notify', 'ACS::TimerTrigger']);

/** Actions that call the API named in their Service/API properties. */
const API_ACTIONS = new Set(['ACS::ExecuteAPI', 'ACS::WaitFor', 'ACS::CheckFor']);

interface TaskLike {
  readonly Name?: unknown;
  readonly Action?: unknown;
  readonly Properties?: Record<string, unknown>;
}

/** A template document, as far as the derivation reads it. */
export interface TemplateLike {
  readonly Tasks?: readonly TaskLike[];
  readonly Parameters?: Readonly<Record<string, { readonly Default?: unknown }>>;
}

/**
 * The actions OOS needs to resolve an encrypted parameter (`{{oos-secret:NAME}}`) given as a
 * parameter's value: GetSecretParameter, whose documentation names KMS's GetSecretValue as what
 * it calls in turn.
 */
export const SECRET_PARAMETER_ACTIONS: readonly string[] = ['oos:GetSecretParameter', 'kms:GetSecretValue'];

/**
 * A nested template with the templates it nests in turn, by the names its own tasks give: two
 * templates may name their children alike (`{{ instanceTemplateName }}`) and mean different ones.
 */
export interface ScopedTemplate {
  readonly document: TemplateLike;
  readonly nested?: Readonly<Record<string, TemplateLike | ScopedTemplate>>;
}

function isScoped(t: TemplateLike | ScopedTemplate): t is ScopedTemplate {
  return 'document' in t;
}

/** RAM's spelling of a service code in an action (`ECS` -> `ecs`). */
function ramService(service: string): string {
  return service.toLowerCase();
}

/**
 * The sorted, de-duplicated RAM actions the template's tasks call, with the actions associated
 * with them ({@link ASSOCIATED_ACTIONS}). Throws for an action it
 * cannot account for, so that a new task cannot silently widen or break the role.
 *
 * An `ACS::Template` task runs another template: its actions are those of that template's
 * tasks, so its document must be given in `nested`, by the `TemplateName` as the task writes it
 * (a name, or a reference such as `{{ instanceTemplateName }}`). Running a nested template adds
 * no action of its own here: OOS starts the child execution itself, and the cloud-product
 * actions, which are nested templates too, need only their API calls (see the README).
 */
export function requiredActions(document: TemplateLike, nested: Readonly<Record<string, TemplateLike | ScopedTemplate>> = {}): string[] {
  const actions = collectActions(document, nested, []);
  return [...new Set([...actions].flatMap((a) => [a, ...(ASSOCIATED_ACTIONS[a] ?? [])]))].sort();
}

function collectActions(document: TemplateLike, nested: Readonly<Record<string, TemplateLike | ScopedTemplate>>, running: readonly string[]): Set<string> {
  const out = new Set<string>();
  if (Object.values(document.Parameters ?? {}).some((p) => typeof p.Default === 'string' && /\{\{\s*oos-secret:/.test(p.Default))) {
    SECRET_PARAMETER_ACTIONS.forEach((a) => out.add(a));
  }
  for (const task of document.Tasks ?? []) {
    const action = String(task.Action);
    const props = task.Properties ?? {};
    if (API_ACTIONS.has(action)) {
      if (typeof props.Service !== 'string' || typeof props.API !== 'string' || props.Service.includes('{{') || props.API.includes('{{')) {
        throw new Error(`task ${String(task.Name)}: ${action} needs literal Service and API to derive its permission`);
      }
      out.add(`${ramService(props.Service)}:${props.API}`);
    } else if (action === 'ACS::SelectTargets') {
      const type = String(props.ResourceType ?? '');
      if (type !== 'ALIYUN::ECS::Instance') {
        throw new Error(`task ${String(task.Name)}: ACS::SelectTargets of ${type} is not accounted for`);
      }
      out.add('ecs:DescribeInstances');
    } else if (action in CLOUD_PRODUCT_ACTION_CALLS) {
      CLOUD_PRODUCT_ACTION_CALLS[action].forEach((a) => out.add(a));
    } else if (action === 'ACS::Template') {
      const name = String(props.TemplateName);
      const child = nested[name];
      if (child === undefined) {
        throw new Error(`task ${String(task.Name)}: ACS::Template runs ${name}, whose document was not given: its actions cannot be derived`);
      }
      if (running.includes(name)) {
        throw new Error(`task ${String(task.Name)}: ACS::Template runs ${name}, which is already running above it`);
      }
      const actions = isScoped(child)
        ? collectActions(child.document, child.nested ?? {}, [...running, name])
        : collectActions(child, nested, [...running, name]);
      actions.forEach((a) => out.add(a));
    } else if (!LOCAL_ACTIONS.has(action)) {
      throw new Error(`task ${String(task.Name)}: the permissions of action ${action} are not known to this package`);
    }
  }
  return out;
}
