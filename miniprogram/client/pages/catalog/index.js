// 商品页：搜索、实时可用库存、贵司价格，加入购物车。
const api = require('../../utils/api')
const cart = require('../../utils/cart')
const session = require('../../utils/session')
const present = require('../../utils/present')
const { messageOf } = require('../../utils/errors')
const network = require('../../utils/network')

const SIZE = 20

Component({
  data: { q: '', items: [], total: 0, page: 0, loading: false, done: false, error: '', cartCount: 0, customerName: '' },
  methods: {
    onLoad() {
      return this.load(true)
    },
    // Availability changes while the buyer is away: reload on every return.
    onShow() {
      this.setData({ cartCount: cart.count() })
      if (this.data.page > 0) return this.load(true)
      return undefined
    },
    onPullDownRefresh() {
      return this.load(true).then(() => wx.stopPullDownRefresh())
    },
    onReachBottom() {
      if (!this.data.done && !this.data.loading) return this.load(false)
      return undefined
    },
    onSearch(e) {
      this.setData({ q: (e.detail || '').trim() })
      return this.load(true)
    },
    onClear() {
      this.setData({ q: '' })
      return this.load(true)
    },
    onRetry() {
      return this.load(this.data.page === 0)
    },
    async load(reset) {
      const page = reset ? 1 : this.data.page + 1
      this.setData({ loading: true, error: '' })
      try {
        const res = await api.products(this.data.q, page, SIZE)
        const got = (res.items || []).map((p) => present.product(p, cart.qtyOf(p.sku)))
        const items = reset ? got : this.data.items.concat(got)
        const s = session.current()
        this.setData({
          items, page, total: res.total || 0, done: items.length >= (res.total || 0) || got.length < SIZE,
          loading: false, cartCount: cart.count(), customerName: (s && s.customer && s.customer.name) || '',
        })
      } catch (err) {
        const again = network.retryOnReconnect(err, () => this.load(page === 1))
        this.setData({ loading: false, error: messageOf(err) + (again ? '（网络恢复后自动重试）' : '') })
      }
    },
    onQty(e) {
      const sku = e.currentTarget.dataset.sku
      const qty = Number(e.detail) || 0
      const i = this.data.items.findIndex((p) => p.sku === sku)
      if (i < 0) return
      cart.set(this.data.items[i], qty)
      this.setData({ [`items[${i}].qty`]: qty, cartCount: cart.count() })
    },
    goCart() {
      wx.switchTab({ url: '/pages/cart/index' })
    },
  },
})
