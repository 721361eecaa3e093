// 我的优惠券：订单延误时发给本公司的补偿券。可使用的在前，下一笔订单自动抵扣；
// 已使用的写明用在哪个订单，过期的灰显。
const api = require('../../utils/api')
const { yuan, time } = require('../../utils/format')
const { messageOf } = require('../../utils/errors')
const network = require('../../utils/network')

function present(c) {
  return {
    code: c.code,
    amountText: yuan(c.amount_fen),
    state: c.state,
    stateName: c.state_name || '',
    expiresText: time(c.expires_at),
    forText: c.for_order_no ? `订单 ${c.for_order_no} 延误补偿` : '订单延误补偿',
    usedText: c.state === 'used' ? `已用于订单 ${c.used_on_no || ''}${c.used_at ? '（' + time(c.used_at) + '）' : ''}` : '',
  }
}

Component({
  data: { items: [], usable: 0, loading: false, error: '' },
  methods: {
    onLoad() {
      return this.load()
    },
    onShow() {
      if (this.data.items.length > 0) return this.load()
      return undefined
    },
    onPullDownRefresh() {
      return this.load().then(() => wx.stopPullDownRefresh())
    },
    onRetry() {
      return this.load()
    },
    async load() {
      this.setData({ loading: true, error: '' })
      try {
        const res = await api.listCoupons()
        this.setData({ items: (res.items || []).map(present), usable: res.usable || 0, loading: false })
      } catch (err) {
        const again = network.retryOnReconnect(err, () => this.load())
        this.setData({ loading: false, error: messageOf(err) + (again ? '（网络恢复后自动重试）' : '') })
      }
    },
    onCopy(e) {
      wx.setClipboardData({ data: e.currentTarget.dataset.code })
    },
    onOrder() {
      wx.switchTab({ url: '/pages/catalog/index' })
    },
  },
})
