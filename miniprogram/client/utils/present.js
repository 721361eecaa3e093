// 把 API 的订单、工单变成页面直接显示的文字。字段可能缺省（旧服务器），一律按缺省处理。
// Turns API orders and tickets into the texts pages show. Fields newer servers add
// (delay coupon, buyer-facing wording, transfers, cancel reason) are used when present.
const config = require('../config')
const { yuan, time, ticketStates } = require('./format')

function linesText(lines) {
  if (!Array.isArray(lines) || lines.length === 0) return ''
  const first = `${lines[0].name || lines[0].sku} ×${lines[0].qty}`
  return lines.length > 1 ? `${first} 等 ${lines.length} 种` : first
}

function etaText(eta) {
  if (!eta || !eta.at) return ''
  return `${eta.kind === 'promised' ? '承诺' : '预计'}送达 ${time(eta.at)}`
}

// absoluteURL makes the tracking link absolute when the server gives a path
// (ORDERHUB_PUBLIC_URL unset).
function absoluteURL(u) {
  if (!u) return ''
  if (/^https?:\/\//.test(u)) return u
  return config.baseURL.replace(/\/+$/, '') + (u.startsWith('/') ? u : `/${u}`)
}

function summary(o) {
  return Object.assign({}, o, {
    linesText: linesText(o.lines),
    createdText: time(o.created_at),
    totalText: yuan(o.total_fen),
    etaText: etaText(o.eta),
    late: !!(o.eta && o.eta.late),
  })
}

// coupon finds the delay compensation coupon wherever the server puts it.
function coupon(o) {
  const d = o.delay_notice || o.delay || {}
  const c = o.coupon || o.delay_coupon || d.coupon || null
  if (!c || typeof c !== 'object') return null
  const fen = c.amount_fen !== undefined ? c.amount_fen : (c.value_fen !== undefined ? c.value_fen : c.fen)
  if (!(Number(fen) > 0) && !c.code) return null
  return {
    amountText: Number(fen) > 0 ? yuan(fen) : '',
    code: c.code || '',
    expiresText: time(c.expires_at || c.expiry || c.valid_until || ''),
  }
}

// delay is the notice that the order will miss its promised time.
function delay(o) {
  const d = o.delay_notice || o.delay
  const late = !!(o.eta && o.eta.late)
  if (!d && !late) return null
  const obj = d && typeof d === 'object' ? d : {}
  const newEta = obj.new_eta || obj.eta || (o.eta && o.eta.at) || ''
  return {
    text: obj.message || obj.text || '很抱歉，订单可能晚于承诺时间送达，我们正在加急处理。',
    promisedText: time(obj.promised_at || o.promised_at || ''),
    newEtaText: time(typeof newEta === 'object' ? newEta.at : newEta),
  }
}

const transferStates = { pending: '调货中', dispatched: '已从仓库发出', received: '已到达发货仓', cancelled: '已取消' }

// transfers in plain words: 「部分货品（六角螺栓 ×20）正从 B 仓调往 A 仓，调货中」.
function transfers(o) {
  const list = Array.isArray(o.transfers) ? o.transfers : []
  return list.map((t) => {
    if (t.text || t.description) return { text: t.text || t.description }
    const from = t.from_name || t.from || '其他仓库'
    const to = t.to_name || t.to || '发货仓'
    const what = t.name || t.sku ? `（${t.name || t.sku}${t.qty ? ` ×${t.qty}` : ''}）` : ''
    const state = t.status_name || t.state_name || transferStates[t.status || t.state] || ''
    return { text: `部分货品${what}正从${from}调往${to}${state ? `，${state}` : ''}` }
  })
}

function timeline(o) {
  const list = Array.isArray(o.timeline) ? o.timeline : []
  return list.map((e) => ({
    text: e.text || e.title || e.stage_name || e.stage || '',
    desc: [time(e.at), e.by || '', e.note && e.note !== (e.text || e.title) ? e.note : ''].filter(Boolean).join('  '),
  }))
}

// steps for van-steps: the pipeline and the index of where the order is.
function steps(o) {
  const list = Array.isArray(o.progress) ? o.progress : []
  let active = -1
  list.forEach((s, i) => {
    if (s.state === 'current' || s.state === 'done') active = i
  })
  return { steps: list.map((s) => ({ text: s.name || s.key })), active }
}

function detail(o) {
  const s = summary(o)
  const st = steps(o)
  return Object.assign(s, {
    steps: st.steps,
    activeStep: st.active,
    timelineSteps: timeline(o),
    transferTexts: transfers(o),
    delayNotice: delay(o),
    couponInfo: coupon(o),
    // couponUsed is the compensation coupon taken off this order's total.
    couponUsed: o.coupon_used ? { code: o.coupon_used.code, offText: yuan(o.coupon_used.off_fen) } : null,
    cancelReason: o.stage === 'cancelled' ? (o.cancel_reason || o.cancelled_reason || '') : '',
    addressOnFile: o.address_source === 'customer',
    openProblems: Number(o.open_problems) || 0,
    ownerRole: (o.owner && o.owner.role) || '',
    promisedText: time(o.promised_at || ''),
    trackingURL: absoluteURL(o.tracking_url),
    lineItems: (o.lines || []).map((l) => ({ ...l, priceText: yuan(l.price_fen), subtotalText: yuan((l.price_fen || 0) * (l.qty || 0)) })),
  })
}

// ticket: a problem from GET …/problems, completed with what the order's
// detail says of it (problems: state_name, resolution) when the server sends that.
function ticket(t, orderProblems) {
  const p = (Array.isArray(orderProblems) ? orderProblems : []).find((x) => x.no === t.no) || {}
  t = Object.assign({}, p, t, { resolution: t.resolution || p.resolution || '', state_name: p.state_name || t.state_name })
  return Object.assign({}, t, {
    stateText: t.state_name || ticketStates[t.state] || t.state || '',
    createdText: time(t.created_at),
    assigneeName: t.assignee && t.assignee.name ? t.assignee.name : '',
    assigneePhone: t.assignee && t.assignee.phone ? t.assignee.phone : '',
    resolutionText: t.resolution || t.resolution_note || '',
  })
}

// product: the price is what the API quotes this buyer (customer_price_fen
// when a server sends a customer's own price, else price_fen).
function product(p, qty) {
  const fen = p.customer_price_fen !== undefined && p.customer_price_fen !== null ? p.customer_price_fen : p.price_fen
  return Object.assign({}, p, {
    price_fen: fen,
    priceText: yuan(fen),
    availText: p.available > 0 ? `现货 ${p.available}${p.unit || ''}` : '暂时缺货',
    soldOut: !(p.available > 0),
    qty,
  })
}

module.exports = { summary, detail, ticket, product, absoluteURL, linesText }
