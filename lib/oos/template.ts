import * as ros from '@alicloud/ros-cdk-core';
import { ValidationError, isResolved } from '../validation';
import { OOS_CONTENT_MAX_BYTES } from './limits';

export { OOS_CONTENT_MAX_BYTES };

/** OOS template names: at most 200 of `[A-Za-z0-9_-]`. */
export const OOS_TEMPLATE_NAME_PATTERN = '^[A-Za-z0-9_-]{1,200}$';

/** Prefixes OOS reserves for its own templates (compared case-insensitively). */
export const OOS_RESERVED_NAME_PREFIXES = ['ALIYUN', 'ACS', 'ALIBABA', 'ALICLOUD'] as const;

/**
 * One pattern for both rules, for a ROS parameter's AllowedPattern: the reserved prefixes in
 * any letter case are refused by a lookahead spelled with character classes.
 */
export const OOS_TEMPLATE_NAME_ALLOWED_PATTERN = oosTemplateNameAllowedPattern(200);

/** {@link OOS_TEMPLATE_NAME_ALLOWED_PATTERN} for names of at most `maxLength` characters. */
export function oosTemplateNameAllowedPattern(maxLength: number): string {
  return `^(?!${OOS_RESERVED_NAME_PREFIXES.map((p) =>
    [...p].map((c) => `[${c}${c.toLowerCase()}]`).join('')).join('|')})[A-Za-z0-9_-]{1,${maxLength}}$`;
}


/** Throws unless `name` is a valid OOS template name. */
export function checkOosTemplateName(field: string, name: string): void {
  if (!isResolved(name)) {
    return;
  }
  if (!new RegExp(OOS_TEMPLATE_NAME_PATTERN).test(name)) {
    throw new ValidationError(field, 'must be 1 to 200 characters of letters, digits, `_` and `-` (OOS template name)', name);
  }
  const reserved = OOS_RESERVED_NAME_PREFIXES.find((p) => name.toUpperCase().startsWith(p));
  if (reserved) {
    throw new ValidationError(field, `must not start with ${reserved} (OOS reserves ALIYUN, ACS, ALIBABA and ALICLOUD)`, name);
  }
}

/** Properties of an `ALIYUN::OOS::Template` resource. */
export interface RosOosTemplateProps {
  /** The template's name; not updatable once created. */
  readonly templateName: string;
  /** The template body, JSON or YAML text (at most 64 KB). */
  readonly content: string;
  /**
   * Tags of the template (at most 20).
   *
   * @default - no tags
   */
  readonly tags?: Readonly<Record<string, string>>;
  /**
   * The resource group of the template.
   *
   * @default - the account's default resource group
   */
  readonly resourceGroupId?: string;
  /**
   * The template document(s) to also write as standalone files at synth, for users who create
   * the template in the OOS console by hand: by file-name suffix (`''` for one document).
   *
   * @default - no standalone file
   */
  readonly standaloneDocuments?: Readonly<Record<string, object>>;
}

/**
 * A typed `ALIYUN::OOS::Template` resource. `@alicloud/ros-cdk-oos` is not published where this
 * package installs from, so the resource is declared through ros-cdk-core's generic RosResource.
 */
export class RosOosTemplate extends ros.RosResource {
  /** The ROS resource type. */
  public static readonly ROS_RESOURCE_TYPE_NAME = 'ALIYUN::OOS::Template';

  /** The name of the created template. */
  public readonly attrTemplateName: ros.IResolvable;
  /** The id of the created template. */
  public readonly attrTemplateId: ros.IResolvable;
  /** The standalone documents, by file-name suffix. */
  public readonly standaloneDocuments: Readonly<Record<string, object>>;
  /** The template name given at construction (possibly a token). */
  public readonly templateName: string;

  constructor(scope: ros.Construct, id: string, props: RosOosTemplateProps) {
    checkOosTemplateName('templateName', props.templateName);
    const tags = props.tags ?? {};
    if (Object.keys(tags).length > 20) {
      throw new ValidationError('tags', 'must hold at most 20 tags (OOS limit)', Object.keys(tags));
    }
    super(scope, id, {
      type: RosOosTemplate.ROS_RESOURCE_TYPE_NAME,
      properties: {
        TemplateName: props.templateName,
        Content: props.content,
        ...(Object.keys(tags).length > 0 ? { Tags: { ...tags } } : {}),
        ...(props.resourceGroupId !== undefined ? { ResourceGroupId: props.resourceGroupId } : {}),
      },
    });
    this.standaloneDocuments = props.standaloneDocuments ?? {};
    this.templateName = props.templateName;
    this.attrTemplateName = this.getAtt('TemplateName');
    this.attrTemplateId = this.getAtt('TemplateId');
  }
}
