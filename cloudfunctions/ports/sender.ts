/** A WeChat subscription message, ready to send (fields already within WeChat's limits). */
export interface SubscribeMessage {
  touser: string
  templateId: string
  page: string
  data: Record<string, { value: string }>
}

/** errcode 0 = sent; anything else as WeChat reported it (-1 system busy, 43101 no credit …). */
export interface SendResult {
  errcode: number
  errmsg: string
}

/** Staff-facing notice (supervisor alert, warehouse task); locally shown on /dev/messages. */
export interface StaffNotice {
  to: string
  text: string
  caseId: string
  kind: string
}

/** A message for a team's WeCom (企业微信) group robot. */
export interface WecomMessage {
  /** name of the environment variable holding the robot's webhook key (the key never travels) */
  keyEnv: string
  msgtype: 'markdown' | 'text'
  content: string
}

export interface SenderPort {
  sendSubscribe(m: SubscribeMessage): Promise<SendResult>
  notifyStaff(n: StaffNotice): Promise<SendResult>
  /** errcode as the robot answered (45009 = too frequent); WECOM_NO_KEY when the variable is unset */
  sendWecom(m: WecomMessage): Promise<SendResult>
}

/** Our own answer (not WeCom's) when the environment variable named by the policy is not set. */
export const WECOM_NO_KEY = -1001
