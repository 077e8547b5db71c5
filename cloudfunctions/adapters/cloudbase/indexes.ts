/**
 * Creating the declared database indexes (./collections INDEXES) from the `setup` function. The
 * database SDK cannot manage indexes; the Tencent Cloud API can: `flexdb` DescribeTable lists a
 * collection's indexes and UpdateTable creates missing ones (what the console and
 * @cloudbase/manager-node do), addressed by the environment's database instance (`tcb`
 * DescribeEnvs → Databases[0].InstanceId). Requests are signed with TC3-HMAC-SHA256 using the
 * function's own role credentials (TENCENTCLOUD_SECRETID / _SECRETKEY / _SESSIONTOKEN, set by
 * CloudBase in every function); nothing is stored. Existing indexes are never dropped or changed.
 */
import crypto from 'node:crypto'
import { INDEXES, collectionName, type IndexSpec } from './collections'

export interface IndexAdmin {
  /** names of the collection's indexes */
  existing(collection: string): Promise<string[]>
  create(collection: string, specs: IndexSpec[]): Promise<void>
}

export interface TencentCloudOptions {
  envId: string
  secretId: string
  secretKey: string
  /** temporary credentials (a function's role) come with a session token */
  token?: string
  region?: string
  /** base URL per service (tests: the emulator); default https://<service>.tencentcloudapi.com */
  endpoint?: (service: string) => string
}

const VERSIONS: Record<string, string> = { tcb: '2018-06-08', flexdb: '2018-11-27' }

const sha256 = (s: string) => crypto.createHash('sha256').update(s).digest('hex')
const hmac = (key: crypto.BinaryLike, s: string) => crypto.createHmac('sha256', key).update(s).digest()

/** The Tencent Cloud API (v3, TC3-HMAC-SHA256) for the two services setup needs. */
export class TencentCloudIndexes implements IndexAdmin {
  private tag: Promise<string> | null = null
  constructor(private readonly o: TencentCloudOptions) {}

  /** From the function's environment; null when its credentials are not there (then setup skips indexes and says so). */
  static fromEnv(env: NodeJS.ProcessEnv = process.env): TencentCloudIndexes | null {
    const envId = env.TCB_ENV ?? env.SCF_NAMESPACE
    if (!envId || !env.TENCENTCLOUD_SECRETID || !env.TENCENTCLOUD_SECRETKEY) return null
    return new TencentCloudIndexes({
      envId,
      secretId: env.TENCENTCLOUD_SECRETID,
      secretKey: env.TENCENTCLOUD_SECRETKEY,
      ...(env.TENCENTCLOUD_SESSIONTOKEN ? { token: env.TENCENTCLOUD_SESSIONTOKEN } : {}),
      ...(env.TENCENTCLOUD_REGION ? { region: env.TENCENTCLOUD_REGION } : {}),
    })
  }

  async call<T>(service: string, action: string, body: Record<string, unknown>): Promise<T> {
    const host = `${service}.tencentcloudapi.com`
    const url = this.o.endpoint?.(service) ?? `https://${host}/`
    const payload = JSON.stringify(body)
    const ts = Math.floor(Date.now() / 1000)
    const date = new Date(ts * 1000).toISOString().slice(0, 10)
    const canonical = ['POST', '/', '', 'content-type:application/json; charset=utf-8', `host:${host}`, '', 'content-type;host', sha256(payload)].join('\n')
    const scope = `${date}/${service}/tc3_request`
    const toSign = ['TC3-HMAC-SHA256', String(ts), scope, sha256(canonical)].join('\n')
    const key = hmac(hmac(hmac(`TC3${this.o.secretKey}`, date), service), 'tc3_request')
    const signature = crypto.createHmac('sha256', key).update(toSign).digest('hex')
    const res = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json; charset=utf-8',
        host,
        'x-tc-action': action,
        'x-tc-timestamp': String(ts),
        'x-tc-version': VERSIONS[service],
        'x-tc-region': this.o.region ?? 'ap-shanghai',
        ...(this.o.token ? { 'x-tc-token': this.o.token } : {}),
        authorization: `TC3-HMAC-SHA256 Credential=${this.o.secretId}/${scope}, SignedHeaders=content-type;host, Signature=${signature}`,
      },
      body: payload,
    })
    const out = (await res.json()) as { Response?: T & { Error?: { Code: string; Message: string } } }
    const err = out.Response?.Error
    if (!out.Response || err) throw new Error(`${service}.${action}: ${err ? `${err.Code} ${err.Message}` : `HTTP ${res.status}`}`)
    return out.Response
  }

  private instance(): Promise<string> {
    this.tag ??= this.call<{ EnvList: { Databases: { InstanceId: string }[] }[] }>('tcb', 'DescribeEnvs', { EnvId: this.o.envId }).then((r) => {
      const id = r.EnvList?.[0]?.Databases?.[0]?.InstanceId
      if (!id) throw new Error(`environment ${this.o.envId} has no database instance`)
      return id
    })
    return this.tag
  }

  async existing(collection: string): Promise<string[]> {
    const r = await this.call<{ Indexes?: { Name: string }[] }>('flexdb', 'DescribeTable', { Tag: await this.instance(), TableName: collection })
    return (r.Indexes ?? []).map((i) => i.Name)
  }

  async create(collection: string, specs: IndexSpec[]): Promise<void> {
    if (!specs.length) return
    await this.call('flexdb', 'UpdateTable', {
      Tag: await this.instance(),
      TableName: collection,
      CreateIndexes: specs.map((s) => ({
        IndexName: s.name,
        MgoKeySchema: { MgoIsUnique: s.unique === true, MgoIndexKeys: Object.entries(s.fields).map(([Name, d]) => ({ Name, Direction: String(d) })) },
      })),
    })
  }
}

/** Creates every declared index a collection lacks (by name); answers how many it created. */
export async function ensureIndexes(admin: IndexAdmin, prefix = ''): Promise<number> {
  const byCollection = new Map<string, IndexSpec[]>()
  for (const s of INDEXES) {
    const name = collectionName(s.collection, prefix)
    byCollection.set(name, [...(byCollection.get(name) ?? []), s])
  }
  let created = 0
  for (const [collection, specs] of byCollection) {
    const have = new Set(await admin.existing(collection))
    const missing = specs.filter((s) => !have.has(s.name))
    await admin.create(collection, missing)
    created += missing.length
  }
  return created
}
