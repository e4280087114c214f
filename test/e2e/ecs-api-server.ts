/**
 * An ECS API stand-in SERVER for the audit (nothing here reaches Alibaba Cloud): HTTP on
 * 127.0.0.1 speaking the RPC protocol the ECS SDK sends when pointed at it through its endpoint
 * setting: the parameters in the query (and form body), `Format=json`, `Version=2014-05-26`, and
 * the RPC signature, which it verifies as documented (HMAC-SHA1 with the AccessKey secret and `&`
 * over `METHOD&%2F&` and the percent-encoded, sorted parameters). Each call then goes through the
 * ECS stand-in's model checks (ecs-standin.ts `modelCheckedCall`: the API exists, every
 * parameter is one of its request model's, the response fits its response model) and is answered
 * from a simulated account of many instances and snapshot groups, paged by NextToken/MaxResults.
 *
 * Errors come in ECS's shape, `{Code, Message, RequestId, HostId}` with an HTTP status: an
 * unknown AccessKey id (404 InvalidAccessKeyId.NotFound), a wrong secret (400
 * SignatureDoesNotMatch), an API the identity may not call (403 Forbidden.RAM), throttling (400
 * Throttling.User) and an unknown region (InvalidRegionId.NotFound; its HTTP status, 404 here, is
 * the stand-in's choice).
 */
import * as crypto from 'crypto';
import * as http from 'http';
import { AddressInfo } from 'net';
import { CloudGroup, modelCheckedCall, pageByToken } from './ecs-standin';

/** An instance of the simulated account. */
export interface AccountInstanceState {
  readonly id: string;
  status: string;
  tags: Record<string, string>;
}

/** The simulated account, as a test sets it up. */
export interface ApiAccountState {
  instances: AccountInstanceState[];
  groups: CloudGroup[];
  /** AccessKey id to secret. */
  credentials: Record<string, string>;
  /** APIs the identity may not call (403 Forbidden.RAM). */
  denied?: string[];
  /** How many more calls of each API are refused with Throttling.User. */
  throttle?: Record<string, number>;
}

/** The one region the account has (the model checks take it). */
export const SERVER_REGION = 'cn-hangzhou';
const HOST_ID = 'ecs.cn-hangzhou.aliyuncs.com';
const COMMON = ['Action', 'Format', 'Version', 'AccessKeyId', 'SignatureMethod', 'SignatureVersion', 'SignatureNonce', 'Timestamp', 'Signature', 'SecurityToken'];

/** RFC 3986 encoding, as the RPC signature documentation requires (only A-Z a-z 0-9 - _ . ~ stay). */
export function percentEncode(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** The RPC signature of a request's parameters (Signature itself left out). */
export function rpcSignature(method: string, params: Record<string, string>, secret: string): string {
  const canonical = Object.keys(params).filter((k) => k !== 'Signature').sort()
    .map((k) => `${percentEncode(k)}=${percentEncode(params[k])}`).join('&');
  const stringToSign = `${method}&${percentEncode('/')}&${percentEncode(canonical)}`;
  return crypto.createHmac('sha1', `${secret}&`).update(stringToSign).digest('base64');
}

/** `Tag.1.Key=k` and `SnapshotGroupId.1=x` back into the request model's shape. */
function unflatten(flat: Record<string, string>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(flat)) {
    const parts = key.split('.');
    let node: any = out;
    parts.forEach((part, i) => {
      const last = i === parts.length - 1;
      const nextIsIndex = !last && /^\d+$/.test(parts[i + 1]);
      const slot = /^\d+$/.test(part) ? Number(part) - 1 : part;
      if (last) node[slot] = value;
      else node = node[slot] ?? (node[slot] = nextIsIndex ? [] : {});
    });
  }
  return out;
}

class ApiError extends Error {
  constructor(public readonly status: number, public readonly code: string, message: string) {
    super(message);
  }
}

export class EcsApiServer {
  /** Every call that passed authentication, with its parameters (model-checked ones only). */
  public readonly calls: Array<{ api: string; parameters: Record<string, unknown> }> = [];
  /** Every request that arrived, with the error code it got (undefined: answered). */
  public readonly requests: Array<{ api: string; code?: string }> = [];
  private server?: http.Server;
  private requestCount = 0;

  constructor(public readonly state: ApiAccountState) {}

  /** Starts listening; resolves to the endpoint URL. */
  public async start(): Promise<string> {
    this.server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => { body += c; });
      req.on('end', () => this.answer(req, body, res));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  public async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }

  private answer(req: http.IncomingMessage, body: string, res: http.ServerResponse): void {
    const requestId = `STANDIN-${String(++this.requestCount).padStart(6, '0')}`;
    const url = new URL(req.url ?? '/', 'http://stand-in');
    const params: Record<string, string> = Object.fromEntries(url.searchParams.entries());
    if (body !== '') Object.assign(params, Object.fromEntries(new URLSearchParams(body).entries()));
    const api = params.Action ?? '';
    const send = (status: number, payload: Record<string, unknown>) => {
      res.writeHead(status, { 'Content-Type': 'application/json;charset=utf-8' });
      res.end(JSON.stringify(payload));
    };
    try {
      const response = this.handle(req.method ?? 'GET', api, params);
      this.requests.push({ api });
      send(200, { ...response, RequestId: requestId });
    } catch (e) {
      const error = e instanceof ApiError ? e : new ApiError(400, 'StandIn.RequestRefused', (e as Error).message);
      this.requests.push({ api, code: error.code });
      send(error.status, { Code: error.code, Message: error.message, RequestId: requestId, HostId: HOST_ID });
    }
  }

  private handle(method: string, api: string, params: Record<string, string>): Record<string, unknown> {
    if (params.Format !== 'json' || params.Version !== '2014-05-26') throw new ApiError(400, 'StandIn.Protocol', `expected Format=json and Version=2014-05-26, got ${params.Format} ${params.Version}`);
    if (params.SignatureMethod !== 'HMAC-SHA1' || params.SignatureVersion !== '1.0') throw new ApiError(400, 'IncompleteSignature', 'The request signature does not conform to Aliyun standards.');
    const secret = this.state.credentials[params.AccessKeyId ?? ''];
    if (secret === undefined) throw new ApiError(404, 'InvalidAccessKeyId.NotFound', 'Specified access key is not found.');
    const expected = rpcSignature(method, params, secret);
    if (params.Signature !== expected) {
      throw new ApiError(400, 'SignatureDoesNotMatch', 'Specified signature is not matched with our calculation.');
    }
    if (params.RegionId !== undefined && params.RegionId !== SERVER_REGION) throw new ApiError(404, 'InvalidRegionId.NotFound', 'The specified RegionId does not exist.');
    if (this.state.denied?.includes(api)) {
      throw new ApiError(403, 'Forbidden.RAM', 'User not authorized to operate on the specified resource, or this API doesn\'t support RAM.');
    }
    const throttled = this.state.throttle?.[api] ?? 0;
    if (throttled > 0) {
      this.state.throttle![api] = throttled - 1;
      throw new ApiError(400, 'Throttling.User', 'Request was denied due to user flow control.');
    }
    const parameters = unflatten(Object.fromEntries(Object.entries(params).filter(([k]) => !COMMON.includes(k))));
    return modelCheckedCall('ECS', api, parameters, this.calls, (p) => this.respond(api, p)) as Record<string, unknown>;
  }

  private respond(api: string, p: Record<string, unknown>): Record<string, unknown> {
    switch (api) {
      case 'DescribeInstances': {
        const ids = p.InstanceIds === undefined ? undefined : JSON.parse(String(p.InstanceIds)) as string[];
        if (ids !== undefined && ids.length > 100) throw new ApiError(400, 'InvalidParameter.InstanceIds', 'at most 100 instance ids');
        const tags = (p.Tag ?? []) as Array<{ Key: string; Value?: string }>;
        const found = this.state.instances
          .filter((i) => (ids === undefined || ids.includes(i.id)) && tags.every((t) => i.tags[t.Key] === t.Value))
          .map((i) => ({ InstanceId: i.id, Status: i.status, Tags: { Tag: Object.entries(i.tags).map(([k, v]) => ({ TagKey: k, TagValue: v })) } }));
        return { ...pageByToken(api, p, found, (page) => ({ Instances: { Instance: page } })), TotalCount: found.length };
      }
      case 'DescribeSnapshotGroups': {
        const found = this.state.groups.filter((g) => p.InstanceId === undefined || g.InstanceId === p.InstanceId).map((g) => ({
          SnapshotGroupId: g.SnapshotGroupId,
          InstanceId: g.InstanceId,
          Status: g.Status,
          ...(g.CreationTime !== undefined ? { CreationTime: g.CreationTime } : {}),
          Snapshots: { Snapshot: g.snapshots.map((s) => ({ SnapshotId: s.SnapshotId, SourceDiskId: s.DiskId, Progress: '100%', Available: true, Tags: { Tag: s.Tags.map((t) => ({ Key: t.Key, Value: t.Value })) } })) },
        }));
        return pageByToken(api, p, found, (page) => ({ SnapshotGroups: { SnapshotGroup: page } }));
      }
      default:
        throw new ApiError(400, 'StandIn.NotAnswered', `the stand-in server does not answer ${api}`);
    }
  }
}
