// 报告问题：类型、描述、照片；提交时请求「处理进展」订阅消息，开出工单后逐张上传照片，在订单页跟进。
const api = require('../../utils/api')
const subscribe = require('../../utils/subscribe')
const present = require('../../utils/present')
const { messageOf } = require('../../utils/errors')

const MAX_PHOTOS = 6

const KINDS = [
  { key: 'missing_items', name: '少发' },
  { key: 'wrong_item', name: '错发' },
  { key: 'damaged', name: '破损' },
  { key: 'late', name: '延迟' },
  { key: 'other', name: '其他' },
]

Component({
  data: {
    no: '', kinds: KINDS, kind: '', description: '', submitting: false, error: '', ticket: null, templates: {},
    // photos: van-uploader's file list; done marks those the server stored.
    photos: [], maxPhotos: MAX_PHOTOS, uploaded: 0, retryUploads: false,
  },
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
    onPhoto(e) {
      const files = [].concat(e.detail.file || [])
      const add = files.map((f) => ({ url: f.url || f.tempFilePath, isImage: true, done: false }))
      this.setData({ photos: this.data.photos.concat(add).slice(0, MAX_PHOTOS) })
    },
    onDeletePhoto(e) {
      const photos = this.data.photos.slice()
      photos.splice(e.detail.index, 1)
      this.setData({ photos })
    },
    // uploadPhotos sends the photos not yet stored, one at a time, to the
    // ticket just opened. A failed one stays for 「重传照片」.
    async uploadPhotos() {
      const t = this.data.ticket
      let failed = 0
      let lastErr = null
      for (let i = 0; i < this.data.photos.length; i++) {
        const p = this.data.photos[i]
        if (p.done) continue
        this.setData({ [`photos[${i}].status`]: 'uploading', [`photos[${i}].message`]: '上传中' })
        try {
          await api.uploadPhoto(this.data.no, t.no, p.url)
          this.setData({ [`photos[${i}].done`]: true, [`photos[${i}].status`]: 'done', [`photos[${i}].message`]: '', uploaded: this.data.uploaded + 1 })
        } catch (err) {
          failed++
          lastErr = err
          this.setData({ [`photos[${i}].status`]: 'failed', [`photos[${i}].message`]: '上传失败' })
        }
      }
      this.setData({
        retryUploads: failed > 0,
        error: failed > 0 ? `问题已提交，但有 ${failed} 张照片没有上传成功：${messageOf(lastErr)}` : '',
      })
    },
    onRetryUploads() {
      return this.uploadPhotos()
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
          this.setData({ ticket: present.ticket(ticket, []), submitting: false })
          if (accepted.length) await api.subscribe(this.data.no, accepted).catch(() => {})
          await this.uploadPhotos()
          wx.showToast({ title: '已提交', icon: 'success' })
        } catch (err) {
          this.setData({ submitting: false, error: messageOf(err) })
        }
      })
    },
  },
})
