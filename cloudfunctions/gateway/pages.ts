import type { OutboxItem } from '../ports/store'

const esc = (s: unknown) =>
  String(s ?? '').replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!)

const shell = (title: string, body: string) => `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1"><title>${esc(title)}</title>
<style>body{font-family:system-ui,'Noto Sans CJK SC',sans-serif;max-width:860px;margin:24px auto;padding:0 16px;color:#1a1a1a}
button{font-size:15px;padding:8px 14px;margin:4px 0;border:1px solid #ccc;border-radius:6px;background:#fff;cursor:pointer;width:100%;text-align:left}
button:hover{background:#f0f6ff}table{border-collapse:collapse;width:100%;font-size:13px}td,th{border-bottom:1px solid #eee;padding:6px;text-align:left;vertical-align:top}
.muted{color:#888}.tag{display:inline-block;padding:1px 6px;border-radius:4px;background:#eef}</style></head><body>${body}</body></html>`

export function devLoginPage(
  personas: { buyers: readonly { openid: string; name: string }[]; staff: readonly { id: string; name: string; role: string }[] },
  current: string | null,
) {
  const btn = (id: string, label: string) =>
    `<form method="post" action="/dev/login"><input type="hidden" name="openid" value="${esc(id)}"><button id="persona-${esc(id)}" type="submit">${esc(label)}</button></form>`
  return shell(
    '开发登录',
    `<h2>选择身份（本地开发登录）</h2>
<p class="muted">本地网关用此身份代替微信云开发的 OPENID。当前：${current ? esc(current) : '未登录'}</p>
<h3>买家</h3>${personas.buyers.map((b) => btn(b.openid, b.name)).join('')}
<h3>商家客服</h3>${personas.staff.map((s) => btn(s.id, `${s.name} · ${s.role}`)).join('')}
<p><a href="/dev/messages">查看本应发送的订阅消息</a></p>`,
  )
}

export function messagesPage(items: OutboxItem[]) {
  const rows = items
    .map(
      (m) =>
        `<tr><td>${esc(m.createdAt.replace('T', ' ').slice(0, 19))}</td><td><span class="tag">${esc(m.kind)}</span><br>${esc(m.status)}${m.lastError ? `<br><span class="muted">${esc(m.lastError)}</span>` : ''}</td><td>${esc(m.caseId)}</td><td><pre>${esc(JSON.stringify(m.payload, null, 1))}</pre></td></tr>`,
    )
    .join('')
  return shell(
    '订阅消息',
    `<h2>本应发送的订阅消息与通知</h2><p class="muted">本地模式不连接微信，消息记录在此。</p>
${items.length ? `<table><tr><th>时间</th><th>类型/状态</th><th>售后单</th><th>内容</th></tr>${rows}</table>` : '<p>暂无消息。</p>'}
<p><a href="/dev/login">切换身份</a></p>`,
  )
}
