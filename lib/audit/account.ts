import Ecs, * as $Ecs from '@alicloud/ecs20140526';
import Credential from '@alicloud/credentials';
import * as $OpenApi from '@alicloud/openapi-core';
import { Posture } from '../posture/loader';
import { AccountInstance, AccountSnapshotGroup, AccountView } from './evaluate';

/**
 * Reads what the audit needs from the account through the official ECS SDK, with the official
 * credential chain (`@alicloud/credentials`: the environment variables
 * ALIBABA_CLOUD_ACCESS_KEY_ID / ALIBABA_CLOUD_ACCESS_KEY_SECRET, the CLI's ~/.aliyun/config.json,
 * ~/.alibabacloud/credentials.ini, an instance RAM role, in that order). Every list is read to
 * its last page; throttling is retried with exponential backoff; every other error is classified
 * (credentials, permission with the action, throttling, region, endpoint) and thrown as an
 * {@link AuditApiError}.
 */

/**
 * The ECS APIs the audit calls: the one source of its read-only RAM policy (`app-snapshot audit --policy`).
 * The reader calls nothing else.
 */
export const AUDIT_API_CALLS = ['DescribeInstances', 'DescribeSnapshotGroups'] as const;
export type AuditApi = (typeof AUDIT_API_CALLS)[number];

/** The RAM actions the audit needs. */
export function auditActions(): string[] {
  return AUDIT_API_CALLS.map((api) => `ecs:${api}`).sort();
}

/** The least-privilege policy for running the audit, as a RAM policy document. */
export function auditPolicyDocument(): { Version: string; Statement: Array<{ Effect: string; Action: string[]; Resource: string[] }> } {
  // Describe calls are authorized on `*` only.
  return { Version: '1', Statement: [{ Effect: 'Allow', Action: auditActions(), Resource: ['*'] }] };
}

/** What went wrong reaching the API. */
export type ApiErrorKind = 'credentials' | 'permission' | 'throttling' | 'region' | 'endpoint' | 'api';

/** An error reaching the ECS API, named for the user. */
export class AuditApiError extends Error {
  constructor(public readonly kind: ApiErrorKind, message: string, public readonly code?: string, public readonly requestId?: string) {
    super(message);
    this.name = 'AuditApiError';
  }
}

/** How the reader retries a throttled call. */
export interface RetryPolicy {
  /** Attempts in all, the first included. @default 5 */
  readonly attempts?: number;
  /** The first delay in ms; each next one doubles. @default 1000 */
  readonly baseDelayMs?: number;
  /** Waits; tests pass one that records. @default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
}

/** Where and how the reader connects. */
export interface AccountReaderOptions {
  readonly regionId: string;
  /**
   * The ECS endpoint (`host[:port]`).
   *
   * @default - `ecs.<region>.aliyuncs.com`
   */
  readonly endpoint?: string;
  /** @default 'https' */
  readonly protocol?: 'http' | 'https';
  readonly retry?: RetryPolicy;
  /** Connect and read timeouts in ms. @default 10000 */
  readonly timeoutMs?: number;
}

/** The most items one page of the listed APIs holds (documented: 100). */
const PAGE_SIZE = 100;
/** DescribeInstances takes at most 100 ids (a JSON array) per call. */
const IDS_PER_CALL = 100;

const CREDENTIAL_CODES = /^(SignatureDoesNotMatch|InvalidAccessKeyId|IncompleteSignature|InvalidSecurityToken|SignatureNonceUsed|InvalidTimeStamp)/;
const PERMISSION_CODES = /^(Forbidden|NoPermission|Unauthorized)/;
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH']);

interface SdkError {
  code?: string;
  statusCode?: number;
  message?: string;
  data?: { RequestId?: string; Message?: string };
  name?: string;
}

/** An error of the SDK or the credential chain, named: what failed, which action, what to do. */
export function classifyError(e: unknown, api: AuditApi, o: { regionId: string; endpoint: string }): AuditApiError {
  const err = (e ?? {}) as SdkError;
  const code = String(err.code ?? '');
  const serverMessage = err.data?.Message ?? err.message ?? String(e);
  const requestId = err.data?.RequestId;
  const rid = requestId ? ` (request ${requestId})` : '';
  const action = `ecs:${api}`;
  if (/unable to get credentials from any of the providers/i.test(err.message ?? '') || code === 'InvalidCredentials') {
    return new AuditApiError('credentials', `no credentials: the credential chain found none (set ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET, configure the aliyun CLI, or run on an instance with a RAM role): ${oneLine(err.message ?? '')}`, code || undefined);
  }
  if (CREDENTIAL_CODES.test(code)) {
    return new AuditApiError('credentials', `bad credentials: ECS refused the AccessKey calling ${api} with ${code}: ${oneLine(serverMessage)}${rid}; check the AccessKey id and secret`, code, requestId);
  }
  if (PERMISSION_CODES.test(code)) {
    return new AuditApiError('permission', `permission denied: the identity may not call ${action} (${code}${rid}); grant the audit's policy (app-snapshot audit --policy)`, code, requestId);
  }
  if (/Throttling/.test(code)) {
    return new AuditApiError('throttling', `throttled: ECS kept refusing ${api} with ${code} after every retry${rid}; run the audit later or raise the API's flow control`, code, requestId);
  }
  if (/^InvalidRegionId/.test(code)) {
    return new AuditApiError('region', `bad region: ECS does not know region ${o.regionId} (${code}${rid}); check --region or account.region`, code, requestId);
  }
  const network = NETWORK_CODES.has(code) || NETWORK_CODES.has(String((err as { errno?: string }).errno ?? '')) || /ECONNREFUSED|ENOTFOUND|ETIMEDOUT|EAI_AGAIN|socket hang up|timeout/i.test(err.message ?? '');
  if (network) {
    return new AuditApiError(code === 'ENOTFOUND' || code === 'EAI_AGAIN' ? 'region' : 'endpoint',
      `cannot reach the ECS endpoint ${o.endpoint} for region ${o.regionId}: ${oneLine(err.message ?? code)}${code === 'ENOTFOUND' ? ' (no such host: check the region)' : ''}`, code || undefined);
  }
  return new AuditApiError('api', `ECS ${api} failed: ${code ? `${code}: ` : ''}${oneLine(serverMessage)}${rid}`, code || undefined, requestId);
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** The account's instances and snapshot groups, read through the SDK. */
export class EcsAccountReader {
  private readonly client: Ecs;
  private readonly endpoint: string;
  /** Each call made, in order (API and attempt), for the tests and the report of retries. */
  public readonly calls: Array<{ api: AuditApi; attempt: number }> = [];

  constructor(private readonly options: AccountReaderOptions, credential: Credential = new Credential()) {
    this.endpoint = options.endpoint ?? `ecs.${options.regionId}.aliyuncs.com`;
    this.client = new Ecs(new $OpenApi.$OpenApiUtil.Config({
      credential,
      regionId: options.regionId,
      endpoint: this.endpoint,
      protocol: options.protocol ?? 'https',
      // The RPC signature (HMAC-SHA1 over the sorted query), as ECS's RPC API documents it.
      signatureAlgorithm: 'v2',
      connectTimeout: options.timeoutMs ?? 10_000,
      readTimeout: options.timeoutMs ?? 10_000,
    }));
  }

  /** One call, retried with exponential backoff while throttled. */
  private async call<T>(api: AuditApi, send: () => Promise<T>): Promise<T> {
    const attempts = this.options.retry?.attempts ?? 5;
    const base = this.options.retry?.baseDelayMs ?? 1000;
    const sleep = this.options.retry?.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
    for (let attempt = 1; ; attempt++) {
      this.calls.push({ api, attempt });
      try {
        return await send();
      } catch (e) {
        const error = classifyError(e, api, { regionId: this.options.regionId, endpoint: this.endpoint });
        if (error.kind !== 'throttling' || attempt >= attempts) throw error;
        await sleep(base * 2 ** (attempt - 1));
      }
    }
  }

  /** Every snapshot group of the region, page by page. */
  public async snapshotGroups(): Promise<AccountSnapshotGroup[]> {
    const out: AccountSnapshotGroup[] = [];
    let token: string | undefined;
    do {
      const request = new $Ecs.DescribeSnapshotGroupsRequest({ regionId: this.options.regionId, maxResults: PAGE_SIZE, nextToken: token });
      const r = await this.call('DescribeSnapshotGroups', () => this.client.describeSnapshotGroups(request));
      for (const g of r.body?.snapshotGroups?.snapshotGroup ?? []) {
        out.push({
          snapshotGroupId: g.snapshotGroupId ?? '',
          instanceId: g.instanceId ?? '',
          status: g.status ?? '',
          ...(g.creationTime ? { creationTime: g.creationTime } : {}),
          snapshots: (g.snapshots?.snapshot ?? []).map((s) => ({
            snapshotId: s.snapshotId ?? '',
            diskId: s.sourceDiskId ?? '',
            tags: Object.fromEntries((s.tags?.tag ?? []).map((t) => [t.key ?? '', t.value ?? ''])),
          })),
        });
      }
      token = r.body?.nextToken || undefined;
    } while (token !== undefined);
    return out;
  }

  /** Instances, page by page: by ids (at most 100 a call) or by tags. */
  private async instances(filter: { ids?: readonly string[]; tags?: Readonly<Record<string, string>> }): Promise<AccountInstance[]> {
    const out: AccountInstance[] = [];
    let token: string | undefined;
    do {
      const request = new $Ecs.DescribeInstancesRequest({
        regionId: this.options.regionId,
        maxResults: PAGE_SIZE,
        nextToken: token,
        ...(filter.ids ? { instanceIds: JSON.stringify(filter.ids) } : {}),
        ...(filter.tags ? { tag: Object.keys(filter.tags).sort().map((k) => new $Ecs.DescribeInstancesRequestTag({ key: k, value: filter.tags![k] })) } : {}),
      });
      const r = await this.call('DescribeInstances', () => this.client.describeInstances(request));
      for (const i of r.body?.instances?.instance ?? []) out.push({ instanceId: i.instanceId ?? '', status: i.status ?? '' });
      token = r.body?.nextToken || undefined;
    } while (token !== undefined);
    return out;
  }

  /** What the audit of `posture` needs. */
  public async read(posture: Posture): Promise<AccountView> {
    const ids = [...new Set(posture.groups.flatMap((g) => g.options.instanceIds ?? []))];
    const instancesById: Record<string, AccountInstance> = {};
    for (let i = 0; i < ids.length; i += IDS_PER_CALL) {
      for (const instance of await this.instances({ ids: ids.slice(i, i + IDS_PER_CALL) })) instancesById[instance.instanceId] = instance;
    }
    const instancesByGroup: Record<string, AccountInstance[]> = {};
    for (const g of posture.groups) {
      if (g.options.targetTags !== undefined) instancesByGroup[g.name] = await this.instances({ tags: g.options.targetTags });
    }
    return { regionId: this.options.regionId, snapshotGroups: await this.snapshotGroups(), instancesById, instancesByGroup };
  }
}
