// 报告问题：类型、描述；提交时请求「处理进展」订阅消息，提交后开出工单，在订单页跟进。
const api = require('../../utils/api')
const subscribe = require('../../utils/subscribe')
const present = require('../../utils/present')
const { messageOf } = require('../../utils/errors')

const KINDS = [
  { key: 'missing_items', name: '少发' },
  { key: 'wrong_item', name: '错发' },
  { key: 'damaged', name: '破损' },
  { key: 'late', name: '延迟' },
  { key: 'other', name: '其他' },
]

Component({
  data: { no: '', kinds: KINDS, kind: '', description: '', submitting: false, error: '', ticket: null, templates: {} },
  methods: {
    async onLoad(query = {}) {
      this.setData({ no: decodeURIComponent(query.no || '') })
      try {
        this.setData({ templates: await api.templates() })
      } catch (e) {
        // without templates the report still goes through, with no message back
      }
    },
    onKind(e) {
      this.setData({ kind: e.detail })
    },
    onDescription(e) {
      this.setData({ description: e.detail })
    },
    onSubmit() {
      if (this.data.submitting || this.data.ticket) return Promise.resolve()
      const description = (this.data.description || '').trim()
      if (!this.data.kind) {
        this.setData({ error: '请选择问题类型' })
        return Promise.resolve()
      }
      if (!description) {
        this.setData({ error: '请描述问题' })
        return Promise.resolve()
      }
      // Asked in the tap, as WeChat requires.
      const asked = subscribe.ask(this.data.templates, ['ticket'])
      this.setData({ submitting: true, error: '' })
      return asked.then(async (accepted) => {
        try {
          const ticket = await api.reportProblem(this.data.no, this.data.kind, description)
          this.setData({ ticket: present.ticket(ticket), submitting: false })
          if (accepted.length) await api.subscribe(this.data.no, accepted).catch(() => {})
          wx.showToast({ title: '已提交', icon: 'success' })
        } catch (err) {
          this.setData({ submitting: false, error: messageOf(err) })
        }
      })
    },
  },
})
