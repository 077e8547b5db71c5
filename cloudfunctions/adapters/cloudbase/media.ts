import type { Evidence } from '@contract/domain'
import type { MediaPort } from '../../ports/media'
import { checkEvidenceLimits } from '../local/media'

/** The slice of @cloudbase/node-sdk's app this adapter uses (kept narrow for tests). */
export interface CloudFileApi {
  getFileInfo(opts: { fileList: string[] }): Promise<{ fileList: { code: string; fileID: string; size?: number; contentType?: string; mime?: string }[] }>
}

/**
 * Evidence on CloudBase: cloud file ids uploaded by the mini-program. Each id must belong to this
 * environment (`cloud://<env>.…`), exist, and match the declared kind, type and size limits.
 */
export class CloudMedia implements MediaPort {
  constructor(
    private app: CloudFileApi,
    private envId: string,
  ) {}

  async verify(evidence: Evidence[], _ownerOpenid: string) {
    const limit = checkEvidenceLimits(evidence)
    if (limit) return { ok: false as const, message: limit }
    if (!evidence.length) return { ok: true as const }
    const foreign = evidence.find((e) => !e.fileId.startsWith(`cloud://${this.envId}.`))
    if (foreign) return { ok: false as const, message: '凭证文件不属于本店铺的云环境' }
    const info = await this.app.getFileInfo({ fileList: evidence.map((e) => e.fileId) })
    for (const e of evidence) {
      const f = info.fileList.find((x) => x.fileID === e.fileId)
      if (!f || f.code !== 'SUCCESS') return { ok: false as const, message: '凭证文件不存在，请重新上传' }
      if (typeof f.size === 'number' && f.size !== e.size) return { ok: false as const, message: '凭证文件信息与上传记录不符' }
    }
    return { ok: true as const }
  }
}
