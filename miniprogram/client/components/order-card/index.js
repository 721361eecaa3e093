// 订单卡片（我的订单列表）：单号、阶段、商品、金额、下单时间、预计送达。点击进入订单页。
Component({
  properties: {
    // An order decorated by utils/present.js (summary).
    order: { type: Object, value: {} },
  },
  methods: {
    onTap() {
      this.triggerEvent('open', { no: this.data.order.no })
    },
  },
})
