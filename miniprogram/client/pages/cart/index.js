// 购物车：改数量、删除、合计，去结算。
const cart = require('../../utils/cart')
const attempt = require('../../utils/attempt')
const { yuan } = require('../../utils/format')

Component({
  data: { items: [], totalFen: 0, pending: false },
  methods: {
    onShow() {
      this.refresh()
    },
    onLoad() {
      this.refresh()
    },
    refresh() {
      const raw = cart.read()
      const items = raw.map((i) => Object.assign({}, i, {
        priceText: yuan(i.price_fen),
        subtotalText: yuan(i.price_fen * i.qty),
        overStock: typeof i.available === 'number' && i.qty > i.available,
      }))
      this.setData({ items, totalFen: cart.totalFen(raw), pending: !!attempt.pending() })
    },
    onQty(e) {
      const item = cart.read().find((i) => i.sku === e.currentTarget.dataset.sku)
      if (!item) return
      cart.set(item, Number(e.detail) || 0)
      this.refresh()
    },
    onRemove(e) {
      const item = cart.read().find((i) => i.sku === e.currentTarget.dataset.sku)
      if (item) cart.set(item, 0)
      this.refresh()
    },
    onCheckout() {
      wx.navigateTo({ url: '/pages/checkout/index' })
    },
  },
})
