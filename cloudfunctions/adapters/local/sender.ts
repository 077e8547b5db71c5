import type { SendResult, SenderPort, StaffNotice, SubscribeMessage } from '../../ports/sender'

/**
 * Local sender: nothing leaves the machine. Every message "sent" is recorded; the outbox row it
 * came from (status, attempts, error) is what the gateway's /dev/messages page shows.
 */
export class RecordingSender implements SenderPort {
  readonly sent: (SubscribeMessage | StaffNotice)[] = []
  async sendSubscribe(m: SubscribeMessage): Promise<SendResult> {
    this.sent.push(m)
    return { errcode: 0, errmsg: 'ok' }
  }
  async notifyStaff(n: StaffNotice): Promise<SendResult> {
    this.sent.push(n)
    return { errcode: 0, errmsg: 'ok' }
  }
}
