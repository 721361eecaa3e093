// 月度备货清单：贵司往月集中订货那几天常订的货品，预先填好数量，可改；一键下单成为「计划单」
// （按清单承诺的时间送达）。下单时可顺便允许「下期清单提醒」订阅消息。
// The company's stocking list as a prefilled cart: quantities editable (0 drops a
// line), placed as a planned order with an idempotency key kept until the server
// answers (utils/attempt.js, its own store), the subscribe sheet asked in the tap.
const api = require('../../utils/api')
const attempts = require('../../utils/attempt')
const subscribe = require('../../utils/subscribe')
const { yuan, time } = require('../../utils/format')
const { messageOf } = require('../../utils/errors')
const network = require('../../utils/network')

const attempt = attempts.stocking
const EVENTS = ['stocking']

// day shows 2026-12-22 as 12月22日.
function day(s) {
  const m = /^\d{4}-(\d{2})-(\d{2})$/.exec(s || '')
  return m ? `${Number(m[1])}月${Number(m[2])}日` : ''
}

function present(lines) {
  return lines.map((l) => Object.assign({}, l, { priceText: yuan(l.price_fen), short: !!l.short || (typeof l.available === 'number' && l.qty > l.available) }))
}

function totals(lines) {
  const kept = lines.filter((l) => l.qty > 0)
  return { kept: kept.length, totalText: yuan(kept.reduce((s, l) => s + l.price_fen * l.qty, 0)) }
}

Component({
  data: {
    loading: false, list: null, lines: [], kept: 0, totalText: '', windowText: '', promiseText: '', orderNo: '',
    address: '', remark: '', templates: {}, subscribeHint: '', canRemind: false,
    pending: false, submitting: false, error: '', retryable: false,
  },
  methods: {
    onLoad() {
      return Promise.all([this.load(), this.loadTemplates()])
    },
    onShow() {
      if (this.data.list && !this.data.submitting) return this.load()
      return undefined
    },
    async load() {
      this.setData({ loading: true, error: '', retryable: false })
      let list
      try {
        list = await api.stockingList()
      } catch (err) {
        this.setData({ loading: false, error: messageOf(err), retryable: true })
        return
      }
      if (!list) {
        this.setData({ loading: false, list: null })
        return
      }
      const p = attempt.pending()
      let lines = list.lines.map((l) => Object.assign({}, l))
      const data = {}
      if (p) {
        // An attempt whose outcome is unknown: show and resend exactly it.
        const sent = {}
        p.body.lines.forEach((l) => { sent[l.sku] = l.qty })
        lines = lines.map((l) => Object.assign(l, { qty: sent[l.sku] || 0 }))
        Object.assign(data, { pending: true, address: p.body.address || '', remark: p.body.remark || '' })
      } else if (!this.data.address) {
        data.address = list.address || ''
      }
      lines = present(lines)
      let promiseText = '部分货品现货不足，需先补货，送达时间由客服与您确认'
      if (list.promised_at) promiseText = `按清单下单，${time(list.promised_at)} 前送达`
      this.setData(Object.assign(data, {
        loading: false, list, lines, orderNo: list.order_no || '', promiseText,
        windowText: `${day(list.window_from)}–${day(list.window_to)}`,
      }, totals(lines)))
    },
    async loadTemplates() {
      try {
        const templates = await api.templates()
        this.setData({ templates, canRemind: !!templates.stocking, subscribeHint: templates.stocking ? '下单时微信会询问是否在下期清单出来时提醒您。' : '' })
      } catch (e) {
        this.setData({ templates: {} })
      }
    },
    onQty(e) {
      if (this.data.pending || this.data.orderNo) return
      const sku = e.currentTarget.dataset.sku
      const qty = Math.max(0, Math.floor(Number(e.detail) || 0))
      const lines = present(this.data.lines.map((l) => (l.sku === sku ? Object.assign({}, l, { qty }) : l)))
      this.setData(Object.assign({ lines }, totals(lines)))
    },
    onAddress(e) {
      this.setData({ address: e.detail })
    },
    onRemark(e) {
      this.setData({ remark: e.detail })
    },
    onRetry() {
      if (this.data.list && attempt.pending()) return this.onSubmit()
      return this.load()
    },
    // onSubmit runs in the tap: the subscribe sheet must be asked for here,
    // before anything asynchronous.
    onSubmit() {
      if (this.data.submitting || this.data.orderNo) return Promise.resolve()
      let a = attempt.pending()
      let asked = Promise.resolve([])
      if (!a) {
        if (this.data.kept === 0) {
          this.setData({ error: '请至少保留一种货品', retryable: false })
          return Promise.resolve()
        }
        if (!(this.data.address || '').trim()) {
          this.setData({ error: '请填写收货地址', retryable: false })
          return Promise.resolve()
        }
        asked = subscribe.ask(this.data.templates, EVENTS)
      }
      this.setData({ submitting: true, error: '' })
      return asked.then((accepted) => {
        if (!a) {
          const body = {
            lines: this.data.lines.filter((l) => l.qty > 0).map((l) => ({ sku: l.sku, qty: l.qty })),
            address: this.data.address.trim(),
            remark: (this.data.remark || '').trim(),
          }
          if (accepted && accepted.includes('stocking')) body.subscribe = true
          a = attempt.begin(body)
        }
        return this.place(a)
      })
    },
    async place(a) {
      try {
        const res = await api.orderStocking(a.body, a.key)
        attempt.end()
        const order = res.data.order
        this.setData({ submitting: false, pending: false, orderNo: order.no })
        wx.redirectTo({ url: `/pages/order/index?no=${encodeURIComponent(order.no)}&placed=1` })
      } catch (err) {
        if (err && err.definite) attempt.end()
        const pending = !!attempt.pending()
        const again = pending && network.retryOnReconnect(err, () => {
          const p = attempt.pending()
          if (p && !this.data.submitting) {
            this.setData({ submitting: true, error: '' })
            return this.place(p)
          }
          return undefined
        })
        this.setData({ submitting: false, pending, error: messageOf(err) + (again ? '（网络恢复后自动重新提交）' : ''), retryable: pending })
        // Placed meanwhile (another buyer of the company): show that order.
        if (err && err.code === 'stocking_ordered') await this.load().then(() => this.setData({ error: messageOf(err) }))
      }
    },
    onOpenOrder() {
      wx.navigateTo({ url: `/pages/order/index?no=${encodeURIComponent(this.data.orderNo)}` })
    },
    // onRemind asks in the tap for next month's list's message.
    onRemind() {
      return subscribe.ask(this.data.templates, EVENTS).then((accepted) => {
        if (!accepted.includes('stocking')) return undefined
        return api.subscribeStocking().then(() => wx.showToast({ title: '下期清单出来时会提醒您', icon: 'none' }), (err) => this.setData({ error: messageOf(err), retryable: false }))
      })
    },
  },
})
