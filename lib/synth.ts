import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as ros from '@alicloud/ros-cdk-core';
import { formatFindings, lintTemplateObject } from './oos/lint';
import { RosOosTemplate } from './oos/template';

/** The largest ROS template body, in bytes. */
export const ROS_TEMPLATE_MAX_BYTES = 512 * 1024;

/** The most resources this package puts in one stack (CreateStack documents 200). */
export const ROS_MAX_RESOURCES = 200;

/**
 * The stack synthesizer every stack of the package uses: a fixed asset qualifier, because the
 * default one is random and would make two synths of the same input differ.
 */
export function deterministicSynthesizer(): ros.DefaultStackSynthesizer {
  return new ros.DefaultStackSynthesizer({ qualifier: 'appsnap' });
}

/** A file written by {@link synthesize}. */
export interface SynthesizedFile {
  /** Path relative to the output directory. */
  readonly file: string;
  /** What it is. */
  readonly kind: 'stack' | 'oos-template';
}

/**
 * Drops every unresolved value (a ROS parameter reference) from a document: a standalone OOS
 * template cannot carry a stack parameter, so such a default is left for the console to ask.
 */
export function withoutTokens(value: unknown): unknown {
  if (Array.isArray(value)) {
    return value.filter((v) => !ros.Token.isUnresolved(v)).map(withoutTokens);
  }
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      if (!ros.Token.isUnresolved(v)) {
        out[k] = withoutTokens(v);
      }
    }
    return out;
  }
  return value;
}

function safeFileName(text: string): string {
  return text.replace(/[^A-Za-z0-9_.-]+/g, '-');
}

/** Checks a synthesized ROS template against the ROS limits; returns the problems. */
export function checkRosLimits(stackName: string, body: string): string[] {
  const problems: string[] = [];
  const bytes = Buffer.byteLength(body, 'utf8');
  if (bytes > ROS_TEMPLATE_MAX_BYTES) {
    problems.push(`stack ${stackName}: the template is ${bytes} bytes, over the ROS limit of ${ROS_TEMPLATE_MAX_BYTES} bytes (512 KB): split the groups over several stacks`);
  }
  const resources = Object.keys((JSON.parse(body) as { Resources?: object }).Resources ?? {}).length;
  if (resources > ROS_MAX_RESOURCES) {
    problems.push(`stack ${stackName}: the template has ${resources} resources, over the limit of ${ROS_MAX_RESOURCES}: split the groups over several stacks`);
  }
  return problems;
}

/** A check run on every OOS template document before anything is written; returns problems. */
export type OosDocumentCheck = (name: string, document: object) => string[];

/**
 * The check every synthesis runs: the OOS template checker in strict mode (warnings count), so
 * a finding fails the synth with the template, task and field named.
 */
export function lintOosDocument(name: string, document: object): string[] {
  const contentBytes = Buffer.byteLength(JSON.stringify(document, undefined, 2), 'utf8');
  const result = lintTemplateObject(document, { name, strict: true, contentBytes });
  return result.errorCount + result.warningCount > 0 ? [formatFindings(result)] : [];
}

/**
 * Synthesizes an app into `outdir`: into a private directory first, then checks every stack
 * against the ROS limits and every OOS template with the OOS template checker (strict) and
 * `checkOos` when given; only when all pass are the
 * stack templates and the standalone OOS templates moved into `outdir` (replacing its content).
 * On any problem it throws, listing them all, and `outdir` is left as it was.
 */
export function synthesize(build: (app: ros.App) => void, outdir: string, checkOos?: OosDocumentCheck): SynthesizedFile[] {
  const staging = fs.mkdtempSync(path.join(os.tmpdir(), 'app-snapshot-synth-'));
  try {
    // Stack traces in the manifest would make two synths of the same input differ.
    const app = new ros.App({ outdir: staging, context: { 'aliyun:ros:disable-stack-trace': 'true' } });
    build(app);
    const assembly = app.synth();
    const problems: string[] = [];
    const files: SynthesizedFile[] = [];
    const standalone: Array<{ file: string; text: string }> = [];
    for (const stack of assembly.stacks) {
      const body = fs.readFileSync(path.join(staging, stack.templateFile), 'utf8');
      problems.push(...checkRosLimits(stack.stackName, body));
      files.push({ file: stack.templateFile, kind: 'stack' });
    }
    const templates = app.node.findAll().filter((c): c is RosOosTemplate => c instanceof RosOosTemplate);
    for (const t of templates) {
      const stackName = ros.Stack.of(t).stackName;
      const base = ros.Token.isUnresolved(t.templateName)
        ? t.node.path.split('/').slice(1).join('.')
        : t.templateName;
      for (const [suffix, document] of Object.entries(t.standaloneDocuments)) {
        const plain = withoutTokens(document) as object;
        const name = `${base}${suffix ? `-${suffix}` : ''}`;
        problems.push(...lintOosDocument(`${stackName}/${name}`, plain));
        if (checkOos) {
          problems.push(...checkOos(`${stackName}/${name}`, plain));
        }
        const file = `${safeFileName(stackName)}.${safeFileName(name)}.oos.json`;
        standalone.push({ file, text: `${JSON.stringify(plain, undefined, 2)}\n` });
        files.push({ file, kind: 'oos-template' });
      }
    }
    const names = new Set<string>();
    for (const s of standalone) {
      if (names.has(s.file)) {
        problems.push(`two OOS templates would be written to ${s.file}: give the groups distinct template names`);
      }
      names.add(s.file);
    }
    if (problems.length > 0) {
      throw new Error(`synthesis failed, nothing was written:\n- ${problems.join('\n- ')}`);
    }
    for (const s of standalone) {
      fs.writeFileSync(path.join(staging, s.file), s.text);
    }
    fs.rmSync(outdir, { recursive: true, force: true });
    fs.mkdirSync(path.dirname(path.resolve(outdir)), { recursive: true });
    fs.cpSync(staging, outdir, { recursive: true });
    return files;
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}
