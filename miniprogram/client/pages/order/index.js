// 订单页：阶段与进度、动态、预计送达、负责人（可拨打）、调货说明、延迟通知与优惠券、
// 运单号、确认收货、报告问题并跟进、可取消时取消、分享公开跟踪链接。
const api = require('../../utils/api')
const present = require('../../utils/present')
const { messageOf } = require('../../utils/errors')
const network = require('../../utils/network')

Component({
  data: { no: '', order: null, tickets: [], loading: false, error: '', actionError: '', busy: '', placed: false },
  methods: {
    onLoad(query = {}) {
      this.setData({ no: decodeURIComponent(query.no || ''), placed: query.placed === '1' })
      return this.load()
    },
    onShow() {
      // Back from reporting a problem: show the new ticket.
      if (this.data.order) return this.load()
      return undefined
    },
    onPullDownRefresh() {
      return this.load().then(() => wx.stopPullDownRefresh())
    },
    onRetry() {
      return this.load()
    },
    async load() {
      if (!this.data.no) {
        this.setData({ error: '缺少订单号' })
        return
      }
      this.setData({ loading: true, error: '' })
      try {
        const [order, tickets] = await Promise.all([api.getOrder(this.data.no), api.listProblems(this.data.no)])
        this.show(order)
        this.setData({ tickets: tickets.map((t) => present.ticket(t, order.problems)), loading: false })
      } catch (err) {
        const again = network.retryOnReconnect(err, () => this.load())
        this.setData({ loading: false, error: messageOf(err) + (again ? '（网络恢复后自动重试）' : '') })
      }
    },
    show(order) {
      this.setData({ order: present.detail(order) })
      if (typeof wx.setNavigationBarTitle === 'function') wx.setNavigationBarTitle({ title: `订单 · ${order.stage_name || ''}` })
    },
    onCall(e) {
      wx.makePhoneCall({ phoneNumber: String(e.currentTarget.dataset.phone) })
    },
    onCopy(e) {
      wx.setClipboardData({ data: String(e.currentTarget.dataset.text) })
    },
    onReport() {
      wx.navigateTo({ url: `/pages/problem/index?no=${encodeURIComponent(this.data.no)}` })
    },
    confirmBox(opts) {
      return new Promise((resolve) => {
        wx.showModal(Object.assign({}, opts, {
          success: (r) => resolve(r && r.confirm ? r : null),
          fail: () => resolve(null),
        }))
      })
    },
    async onCancel() {
      const r = await this.confirmBox({ title: '取消订单', content: '取消后锁定的库存将释放。', editable: true, placeholderText: '取消原因（选填）', confirmText: '确认取消', cancelText: '再想想' })
      if (!r) return
      await this.act('cancel', () => api.cancelOrder(this.data.no, (r.content || '').trim()))
    },
    async onConfirm() {
      const r = await this.confirmBox({ title: '确认收货', content: '确认货品已经收到？', confirmText: '已收到' })
      if (!r) return
      await this.act('confirm', () => api.confirmReceipt(this.data.no))
    },
    async act(name, fn) {
      if (this.data.busy) return
      this.setData({ busy: name, actionError: '' })
      try {
        const order = await fn()
        this.show(order)
        wx.showToast({ title: name === 'cancel' ? '已取消' : '已确认收货', icon: 'success' })
      } catch (err) {
        this.setData({ actionError: messageOf(err) })
      } finally {
        this.setData({ busy: '' })
      }
    },
    // Sharing opens the public tracking page (no login) for whoever gets it.
    onShareAppMessage() {
      const o = this.data.order || {}
      const url = o.trackingURL || ''
      return {
        title: `订单 ${this.data.no}${o.stage_name ? ` · ${o.stage_name}` : ''}`,
        path: `/pages/track/index?no=${encodeURIComponent(this.data.no)}&u=${encodeURIComponent(url)}`,
      }
    },
  },
})
