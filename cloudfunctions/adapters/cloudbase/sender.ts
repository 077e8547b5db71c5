import type { SendResult, SenderPort, StaffNotice, SubscribeMessage, WecomMessage } from '../../ports/sender'
import { WecomRobot } from '../wecom/robot'

/** The slice of wx-server-sdk this adapter uses: the cloud call (云调用) of subscribeMessage.send. */
export interface WxCloud {
  openapi: {
    subscribeMessage: {
      send(p: { touser: string; templateId: string; page: string; data: SubscribeMessage['data']; miniprogramState: string; lang: string }): Promise<{ errCode?: number; errMsg?: string }>
    }
  }
}

/**
 * Sends subscription messages through wx-server-sdk's cloud call. Chosen over
 * @cloudbase/node-sdk's callWxOpenApi because the cloud call is the documented path, needs no
 * access_token, and is authorised per function by `permissions.openapi` in config.json, which
 * also holds when the function runs from its timer trigger (the notify function has no caller).
 * Staff alerts reach people through the staff inbox (written by the dispatcher), staff
 * subscription messages (this same cloud call) and the teams' WeCom robots (`sendWecom`).
 */
export class WxCloudSender implements SenderPort {
  constructor(
    private cloud: WxCloud,
    private miniprogramState: 'developer' | 'trial' | 'formal' = 'formal',
    private robot: WecomRobot = new WecomRobot(),
  ) {}

  async sendSubscribe(m: SubscribeMessage): Promise<SendResult> {
    try {
      const r = await this.cloud.openapi.subscribeMessage.send({ ...m, miniprogramState: this.miniprogramState, lang: 'zh_CN' })
      return { errcode: r.errCode ?? 0, errmsg: r.errMsg ?? 'ok' }
    } catch (e) {
      // wx-server-sdk rejects with { errCode, errMsg } for WeChat errors; anything else is transport.
      const err = e as { errCode?: unknown; errMsg?: unknown }
      if (typeof err?.errCode === 'number') return { errcode: err.errCode, errmsg: String(err.errMsg ?? '') }
      throw e
    }
  }

  /** Warehouse tasks are read from the outbox rows; staff alerts no longer come through here. */
  async notifyStaff(_n: StaffNotice): Promise<SendResult> {
    return { errcode: 0, errmsg: 'ok' }
  }

  sendWecom(m: WecomMessage): Promise<SendResult> {
    return this.robot.send(m)
  }
}
