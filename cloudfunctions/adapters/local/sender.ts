import type { SendResult, SenderPort, StaffNotice, SubscribeMessage, WecomMessage } from '../../ports/sender'

/**
 * Local sender: nothing leaves the machine. Every message "sent" is recorded; the outbox row it
 * came from (status, attempts, error) is what the gateway's /dev/messages page shows.
 */
export class RecordingSender implements SenderPort {
  readonly sent: (SubscribeMessage | StaffNotice | WecomMessage)[] = []
  async sendSubscribe(m: SubscribeMessage): Promise<SendResult> {
    this.sent.push(m)
    return { errcode: 0, errmsg: 'ok' }
  }
  async notifyStaff(n: StaffNotice): Promise<SendResult> {
    this.sent.push(n)
    return { errcode: 0, errmsg: 'ok' }
  }
  async sendWecom(m: WecomMessage): Promise<SendResult> {
    this.sent.push(m)
    return { errcode: 0, errmsg: 'ok' }
  }
}
