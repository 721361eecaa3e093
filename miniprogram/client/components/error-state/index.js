// 错误提示条：显示 API 的中文错误，可带「重试」按钮（触发 retry 事件）。
Component({
  properties: {
    message: { type: String, value: '' },
    retry: { type: Boolean, value: true },
    retryText: { type: String, value: '重试' },
  },
  methods: {
    onRetry() {
      this.triggerEvent('retry')
    },
  },
})
