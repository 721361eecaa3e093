// 确认订单：地址（提供档案地址与上次的地址）、备注，提交时请求订阅消息，带幂等键下单。
const api = require('../../utils/api')
const cart = require('../../utils/cart')
const session = require('../../utils/session')
const attempt = require('../../utils/attempt')
const subscribe = require('../../utils/subscribe')
const { yuan } = require('../../utils/format')
const { messageOf } = require('../../utils/errors')
const network = require('../../utils/network')

// The events asked for when ordering (WeChat allows 3 per request); "ticket"
// is asked when the buyer reports a problem.
const ORDER_EVENTS = ['shipped', 'delay', 'delivered']

function linesFrom(items) {
  return items.map((i) => ({ sku: i.sku, name: i.name || i.sku, qty: i.qty, subtotalText: i.price_fen !== undefined ? yuan(i.price_fen * i.qty) : '' }))
}

Component({
  data: {
    lines: [], totalText: '', address: '', remark: '', addressOptions: [], templates: {}, useOnFile: false,
    pending: false, submitting: false, error: '', retryable: false, subscribeHint: '',
  },
  methods: {
    onLoad() {
      const p = attempt.pending()
      if (p) {
        // An attempt whose outcome is unknown: show and resend exactly it.
        const names = {}
        cart.read().forEach((i) => { names[i.sku] = i })
        const items = p.body.lines.map((l) => Object.assign({}, names[l.sku] || {}, l))
        this.setData({ pending: true, lines: linesFrom(items), totalText: yuan(cart.totalFen(items)), address: p.body.address || '', useOnFile: !p.body.address, remark: p.body.remark || '' })
      } else {
        const items = cart.read()
        this.setData({ lines: linesFrom(items), totalText: yuan(cart.totalFen(items)) })
      }
      return Promise.all([this.loadAddresses(), this.loadTemplates()])
    },
    // The address on file and the last order's address are offered. The
    // buyers' API does not show the address on file (only the order does,
    // as address_source customer): choosing it sends no address and the
    // server uses the company's, or refuses with address_required.
    async loadAddresses() {
      const opts = []
      try {
        await api.me()
      } catch (e) {
        // the stored customer from login is used instead
      }
      const s = session.current()
      const onFile = s && s.customer && s.customer.address
      opts.push({ label: '档案地址', address: onFile || '', onFile: true })
      try {
        const res = await api.listOrders(1, 1)
        const last = res.items && res.items[0] && res.items[0].address
        if (last && last !== onFile) opts.push({ label: '上次的地址', address: last })
      } catch (e) {
        // offering a previous address is a convenience; the form still works
      }
      const data = { addressOptions: opts }
      const first = opts.find((o) => o.address)
      if (!this.data.address && !this.data.useOnFile && !this.data.pending && first) data.address = first.address
      this.setData(data)
    },
    async loadTemplates() {
      try {
        const templates = await api.templates()
        const n = ORDER_EVENTS.filter((e) => templates[e]).length
        this.setData({ templates, subscribeHint: n > 0 ? '提交时微信会询问是否接收发货、延迟、送达通知。' : '' })
      } catch (e) {
        this.setData({ templates: {} })
      }
    },
    onPickAddress(e) {
      if (this.data.pending) return
      const { address, onfile } = e.currentTarget.dataset
      this.setData({ address: address || '', useOnFile: !!onfile && !address })
    },
    onAddress(e) {
      this.setData({ address: e.detail, useOnFile: false })
    },
    onRemark(e) {
      this.setData({ remark: e.detail })
    },
    // onSubmit runs in the tap: the subscribe sheet must be asked for here,
    // before anything asynchronous.
    onSubmit() {
      if (this.data.submitting) return Promise.resolve()
      let a = attempt.pending()
      let asked = Promise.resolve(null)
      if (!a) {
        const address = (this.data.address || '').trim()
        if (this.data.lines.length === 0) {
          this.setData({ error: '购物车是空的', retryable: false })
          return Promise.resolve()
        }
        if (!address && !this.data.useOnFile) {
          this.setData({ error: '请填写收货地址，或选择「档案地址」', retryable: false })
          return Promise.resolve()
        }
        asked = subscribe.ask(this.data.templates, ORDER_EVENTS)
      }
      this.setData({ submitting: true, error: '' })
      return asked.then((accepted) => {
        if (!a) {
          const body = { lines: this.data.lines.map((l) => ({ sku: l.sku, qty: l.qty })) }
          // No address: the server uses the one on file.
          if (this.data.address.trim()) body.address = this.data.address.trim()
          body.remark = (this.data.remark || '').trim()
          if (accepted && accepted.length) body.subscribe = accepted
          a = attempt.begin(body)
        }
        return this.place(a)
      })
    },
    async place(a) {
      try {
        const res = await api.createOrder(a.body, a.key)
        attempt.end()
        cart.removeOrdered(a.body.lines)
        const order = res.data.order
        this.setData({ submitting: false, pending: false })
        wx.redirectTo({ url: `/pages/order/index?no=${encodeURIComponent(order.no)}&placed=1` })
      } catch (err) {
        // A definite refusal created nothing: a new attempt (new key) may follow,
        // after the buyer fixes what was wrong. Otherwise keep key and body.
        if (err && err.definite) attempt.end()
        const pending = !!attempt.pending()
        // Safe to send again by itself: the same key and body.
        const again = pending && network.retryOnReconnect(err, () => {
          const p = attempt.pending()
          if (p && !this.data.submitting) {
            this.setData({ submitting: true, error: '' })
            return this.place(p)
          }
          return undefined
        })
        this.setData({ submitting: false, pending, error: messageOf(err) + (again ? '（网络恢复后自动重新提交）' : ''), retryable: pending })
      }
    },
  },
})
