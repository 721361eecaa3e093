// 关联我的公司：新买家首次登录时只有自己名下的账户；在这里填写公司名称或客户编码
// 申请关联，客服在企业微信里审核。页面显示申请的状态（待审核、已关联、未通过及原因），
// 关联后下单、看订单都算公司的。
const api = require('../../utils/api')
const { time } = require('../../utils/format')
const { messageOf } = require('../../utils/errors')

function present(r) {
  if (!r) return null
  return {
    no: r.no,
    state: r.state,
    stateName: r.state_name || '',
    asked: [r.company_name, r.customer_code ? `客户编码 ${r.customer_code}` : ''].filter(Boolean).join('，'),
    note: r.note || '',
    reason: r.reason || '',
    companyText: r.customer ? `${r.customer.name}（${r.customer.code}）` : '',
    createdText: time(r.created_at),
    decidedText: r.decided_at ? time(r.decided_at) : '',
  }
}

Component({
  data: {
    loading: false, error: '', submitting: false,
    latest: null, open: false, customerName: '',
    companyName: '', customerCode: '', note: '',
  },
  methods: {
    onLoad() {
      return this.load()
    },
    onShow() {
      // Customer service may have decided while the buyer was away.
      if (this.data.open) return this.load()
      return undefined
    },
    onPullDownRefresh() {
      return this.load().then(() => wx.stopPullDownRefresh())
    },
    async load() {
      this.setData({ loading: true, error: '' })
      try {
        const r = await api.listLinkRequests()
        const latest = present((r.items || [])[0])
        this.setData({ latest, open: !!r.open, loading: false })
        if (latest && latest.state === 'approved') {
          // The company changed: refresh the stored customer for every page.
          const b = await api.me().catch(() => null)
          if (b && b.customer) this.setData({ customerName: b.customer.name })
        }
      } catch (err) {
        this.setData({ loading: false, error: messageOf(err) })
      }
    },
    onCompanyName(e) {
      this.setData({ companyName: e.detail })
    },
    onCustomerCode(e) {
      this.setData({ customerCode: e.detail })
    },
    onNote(e) {
      this.setData({ note: e.detail })
    },
    async onSubmit() {
      if (this.data.submitting || this.data.open) return
      const companyName = (this.data.companyName || '').trim()
      const customerCode = (this.data.customerCode || '').trim()
      const note = (this.data.note || '').trim()
      if (!companyName && !customerCode) {
        this.setData({ error: '请填写公司名称或客户编码（至少一项）' })
        return
      }
      this.setData({ submitting: true, error: '' })
      try {
        const body = { company_name: companyName, customer_code: customerCode }
        if (note) body.note = note
        const req = await api.askLink(body)
        this.setData({ latest: present(req), open: req.state === 'open', submitting: false, companyName: '', customerCode: '', note: '' })
        wx.showToast({ title: '已提交', icon: 'success' })
      } catch (err) {
        this.setData({ submitting: false, error: messageOf(err) })
      }
    },
  },
})
