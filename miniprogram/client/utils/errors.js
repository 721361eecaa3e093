// 把 API 的错误变成买家能读的中文。
// The API answers {"error":{"code","message"}}; its messages lead with Chinese and
// often follow with English for developers. Buyers see the Chinese part.

const ENGLISH_WORDS = /[A-Za-z]{2,}\s+[A-Za-z]{2,}/
const CJK = /[\u3400-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef]/

// Chinese words for codes whose message carries no Chinese (older servers,
// proxies). The server's own Chinese message always wins.
const byCode = {
  unauthorized: '登录已失效，请重新登录',
  rate_limited: '操作太频繁，请稍后再试',
  insufficient_stock: '库存不足',
  address_required: '请填写收货地址（贵司档案中没有登记收货地址）',
  not_cancellable: '订单已开始配货，无法取消，请联系客服',
  already_cancelled: '订单已取消',
  not_shipped: '订单尚未发货，暂不能确认收货',
  already_delivered: '订单已确认收货',
  idempotency_key_reused: '订单内容已变化，请重新提交',
  not_found: '找不到该订单',
  body_too_large: '内容过长',
  malformed_json: '请求格式有误',
  wechat_login_failed: '微信登录失败，请重试',
  wechat_unavailable: '暂时无法连接微信，请稍后再试',
  wechat_not_configured: '服务器未配置小程序 AppID',
  template_not_configured: '订阅消息模板未配置',
  stocking_ordered: '本期备货清单已下单',
  not_on_list: '该货品不在备货清单中，请另行下单',
  stocking_list_not_found: '贵司暂无备货清单',
  internal: '服务器内部错误，请稍后再试',
}

const byStatus = {
  400: '请求有误',
  401: '请先登录',
  403: '没有权限',
  404: '找不到该内容',
  409: '操作与当前状态冲突',
  413: '内容过长',
  422: '填写的内容有误',
  429: '操作太频繁，请稍后再试',
  500: '服务器内部错误，请稍后再试',
  502: '服务器暂时不可用，请稍后再试',
  503: '服务器暂时不可用，请稍后再试',
  504: '服务器响应超时，请稍后再试',
}

// chinesePart keeps a bilingual message up to its last Chinese character
// (and the closing brackets right after it): "请先登录 log in first" → "请先登录".
function chinesePart(msg) {
  if (typeof msg !== 'string' || !CJK.test(msg)) return ''
  let end = 0
  for (let i = 0; i < msg.length; i++) if (CJK.test(msg[i])) end = i + 1
  while (end < msg.length && /[)）\]】」』]/.test(msg[end])) end++
  return msg.slice(0, end).replace(/[\s:：,，]+$/, '').trim()
}

class ApiError extends Error {
  // kind: 'http' (the server answered), 'network' (offline, timeout, no answer).
  constructor({ kind, status = 0, code = '', message = '', field = '', available = null, retryAfter = 0, raw = '' }) {
    super(message)
    this.name = 'ApiError'
    this.kind = kind
    this.status = status
    this.code = code
    this.field = field
    this.available = available
    this.retryAfter = retryAfter
    this.raw = raw
  }

  // Whether the request surely changed nothing on the server.
  get definite() {
    return this.kind === 'http' && this.status >= 400 && this.status < 500 && this.status !== 429 && this.status !== 408
  }
}

// fromResponse builds the error for a non-2xx answer.
function fromResponse(res) {
  const body = res && res.data && typeof res.data === 'object' ? res.data : {}
  const e = body.error || {}
  const headers = (res && res.header) || {}
  const ra = parseInt(headers['Retry-After'] || headers['retry-after'] || '0', 10) || 0
  const code = e.code || ''
  let message = chinesePart(e.message)
  // English words left in the Chinese part ("order SO… is 待确认"): the code's
  // own Chinese reads better when we have it.
  if (message && ENGLISH_WORDS.test(message) && byCode[code]) message = byCode[code]
  message = message || byCode[code] || byStatus[res.statusCode] || `请求失败（HTTP ${res.statusCode}）`
  // Older servers said only 库存不足 in Chinese: then list what there is.
  if (code === 'insufficient_stock' && Array.isArray(e.available) && e.available.length && message.replace(/[：:，,\s]/g, '').length <= 4) {
    message = '库存不足：' + e.available.map((a) => `${a.sku} 需要 ${a.want}，可用 ${a.available}`).join('；')
  }
  if (code === 'rate_limited' && ra > 0 && !/\d/.test(message)) message += `（${ra} 秒后可再试）`
  return new ApiError({
    kind: 'http', status: res.statusCode, code, message, field: e.field || '',
    available: e.available || null, retryAfter: ra, raw: e.message || '',
  })
}

// fromFailure builds the error for a wx.request that got no answer.
function fromFailure(err) {
  const msg = (err && err.errMsg) || ''
  let message = '网络连接失败，请检查网络后重试'
  let code = 'network'
  if (/timeout|超时/i.test(msg)) {
    message = '网络超时，请稍后重试'
    code = 'timeout'
  }
  return new ApiError({ kind: 'network', code, message, raw: msg })
}

// messageOf is what a page shows for any error.
function messageOf(err) {
  if (!err) return ''
  if (err instanceof ApiError) return err.message
  return chinesePart(err.message || err.errMsg) || '出错了，请重试'
}

module.exports = { ApiError, fromResponse, fromFailure, messageOf, chinesePart }
