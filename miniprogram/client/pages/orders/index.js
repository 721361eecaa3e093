// 我的订单：本公司的订单，新的在前，分页；点击进入订单页。
const api = require('../../utils/api')
const session = require('../../utils/session')
const present = require('../../utils/present')
const { messageOf } = require('../../utils/errors')
const network = require('../../utils/network')

const SIZE = 20

Component({
  data: { items: [], total: 0, page: 0, loading: false, done: false, error: '', customerName: '' },
  methods: {
    onLoad() {
      // Refresh who the buyer orders for (staff may have linked them since).
      api.me().then((b) => this.setData({ customerName: (b && b.customer && b.customer.name) || this.data.customerName }), () => {})
      return this.load(true)
    },
    onShow() {
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
    onRetry() {
      return this.load(this.data.page === 0)
    },
    async load(reset) {
      const page = reset ? 1 : this.data.page + 1
      this.setData({ loading: true, error: '' })
      try {
        const res = await api.listOrders(page, SIZE)
        const got = (res.items || []).map(present.summary)
        const items = reset ? got : this.data.items.concat(got)
        const s = session.current()
        this.setData({
          items, page, total: res.total || 0, loading: false, done: items.length >= (res.total || 0) || got.length < SIZE,
          customerName: (s && s.customer && s.customer.name) || '',
        })
      } catch (err) {
        const again = network.retryOnReconnect(err, () => this.load(page === 1))
        this.setData({ loading: false, error: messageOf(err) + (again ? '（网络恢复后自动重试）' : '') })
      }
    },
    // onLogout ends the session on the server; the next request logs in
    // again with wx.login (the same WeChat user is the same buyer).
    async onLogout() {
      try {
        await api.logout()
        this.setData({ items: [], page: 0, total: 0, done: false, customerName: '' })
        wx.showToast({ title: '已退出登录', icon: 'success' })
      } catch (err) {
        this.setData({ error: messageOf(err) })
      }
    },
    onCoupons() {
      wx.navigateTo({ url: '/pages/coupons/index' })
    },
    onLink() {
      wx.navigateTo({ url: '/pages/link/index' })
    },
    onStocking() {
      wx.navigateTo({ url: '/pages/stocking/index' })
    },
    onOpen(e) {
      wx.navigateTo({ url: `/pages/order/index?no=${encodeURIComponent(e.detail.no)}` })
    },
  },
})
