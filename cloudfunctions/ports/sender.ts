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

export interface SenderPort {
  sendSubscribe(m: SubscribeMessage): Promise<SendResult>
  notifyStaff(n: StaffNotice): Promise<SendResult>
}
