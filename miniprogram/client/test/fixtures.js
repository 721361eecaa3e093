// Answers shaped like docs/openapi.yaml (MPOrder, MPTicket, Product).
function order(over = {}) {
  return Object.assign({
    no: 'SO20261129-000042', stage: 'picking', stage_name: '配货中', created_at: '2026-11-29T09:30:00+08:00',
    address: '上海市嘉定区安亭镇墨玉路 88 号 王工 13900000000', remark: '防潮包装', total_fen: 125000,
    lines: [{ sku: 'BOLT-M8-30', name: '六角螺栓 M8×30', qty: 100, price_fen: 1000 }, { sku: 'NUT-M8', name: '螺母 M8', qty: 50, price_fen: 500 }],
    progress: [
      { key: 'pending', name: '待确认', state: 'done' }, { key: 'picking', name: '配货中', state: 'current' },
      { key: 'shipped', name: '已发货', state: 'todo' }, { key: 'delivered', name: '已送达', state: 'todo' },
    ],
    eta: { at: '2026-12-01T18:00:00+08:00', kind: 'promised', late: false },
    promised_at: '2026-12-01T18:00:00+08:00',
    owner: { name: '孙丽', phone: '13800000007' },
    tracking_url: 'https://orders.test/t/SO20261129-000042.abcDEF',
    can_cancel: true, can_confirm_receipt: false,
    timeline: [
      { at: '2026-11-29T09:30:00+08:00', kind: 'created', stage: 'pending', stage_name: '待确认', by: '华东五金' },
      { at: '2026-11-29T10:05:00+08:00', kind: 'stage', stage: 'picking', stage_name: '配货中', by: '孙丽', note: '开始配货' },
    ],
  }, over)
}

function products() {
  return {
    items: [
      { sku: 'BOLT-M8-30', name: '六角螺栓 M8×30', spec: '8.8级 镀锌', unit: '盒', price_fen: 1000, available: 120 },
      { sku: 'NUT-M8', name: '螺母 M8', spec: '镀锌', unit: '盒', price_fen: 500, available: 0 },
    ],
    total: 2, page: 1, size: 20,
  }
}

function ticket(over = {}) {
  return Object.assign({ no: 'TK20261129-000003', kind: 'missing_items', kind_name: '少发', order_no: 'SO20261129-000042', description: '少了一盒螺母', state: 'acknowledged', assignee: { name: '李强', phone: '13800000009' }, created_at: '2026-11-29T12:00:00+08:00' }, over)
}

const templates = { shipped: 'tpl-shipped', delivered: 'tpl-delivered', delay: 'tpl-delay', ticket: 'tpl-ticket' }

function apiError(status, code, message, extra = {}) {
  return { status, data: { error: Object.assign({ code, message }, extra) } }
}

module.exports = { order, products, ticket, templates, apiError }
