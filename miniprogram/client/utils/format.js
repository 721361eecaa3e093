// 金额（分）与时间的中文显示。
function yuan(fen) {
  const n = Number(fen) || 0
  const sign = n < 0 ? '-' : ''
  const a = Math.abs(n)
  return `${sign}¥${Math.floor(a / 100)}.${String(a % 100).padStart(2, '0')}`
}

// time shows an RFC 3339 time in Asia/Shanghai as 11月26日 18:00 (the API
// gives +08:00; a UTC "Z" time is converted).
function time(s) {
  if (!s) return ''
  const d = new Date(s)
  if (isNaN(d.getTime())) return String(s)
  const t = new Date(d.getTime() + 8 * 3600 * 1000)
  const p = (n) => String(n).padStart(2, '0')
  return `${t.getUTCMonth() + 1}月${t.getUTCDate()}日 ${p(t.getUTCHours())}:${p(t.getUTCMinutes())}`
}

const ticketStates = { open: '待处理', acknowledged: '处理中', resolved: '已解决', closed: '已关闭' }

module.exports = { yuan, time, ticketStates }
