package sim

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"time"
)

// The report in words: the markdown beside the JSON.

func pctStr(x float64) string { return fmt.Sprintf("%.1f%%", 100*x) }

func dur(s float64) string {
	d := time.Duration(s * float64(time.Second))
	if d < time.Hour {
		return fmt.Sprintf("%.0f 分钟", d.Minutes())
	}
	return fmt.Sprintf("%.1f 小时", d.Hours())
}

func levels(m map[string]int) string {
	if len(m) == 0 {
		return "0"
	}
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	var parts []string
	for _, k := range ks {
		parts = append(parts, fmt.Sprintf("L%s %d", k, m[k]))
	}
	return strings.Join(parts, ", ")
}

func levelsPlain(m map[string]int) string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	var parts []string
	for _, k := range ks {
		parts = append(parts, fmt.Sprintf("%s %d", k, m[k]))
	}
	return strings.Join(parts, ", ")
}

// Markdown writes the report side by side.
func (r Report) Markdown(w io.Writer) {
	a, b := r.With, r.Without
	fmt.Fprintf(w, "# orderhub simulate — %d 天，每天 %d 单，%d 名员工（seed %d）\n\n", r.Days, r.OrdersPerDay, r.Staff, r.Seed)
	fmt.Fprintf(w, "一天压缩为 %s（比例 1:%.0f），%s。所有数字由 orderhub 自己的表（orders、order_events、tickets、transfers、stock_movements、alarms）算出，时长为业务时间。\n\n", r.DayLength, a.Scale, r.Store)
	fmt.Fprintf(w, "承运 carrier: %s，交期 promise: %s；机器负载 load avg %.1f → %.1f（负载越高，命令回复越慢，业务分钟越多）。\n\n", r.Carrier, r.Promise, r.Load[0], r.Load[1])
	if len(r.Targets) > 0 {
		fmt.Fprintln(w, "## 和业务方的数字比 / Beside the business's own figures")
		fmt.Fprintln(w)
		fmt.Fprintln(w, "| 指标 / figure | 改进前 business before | 目标 goal (business after) | 有催办 with | 无催办 without | 达到 met |")
		fmt.Fprintln(w, "|---|---:|---:|---:|---:|:---:|")
		for _, t := range r.Targets {
			met := "否 no"
			if t.Met {
				met = "是 yes"
			}
			without := fmt.Sprintf("%g %s", t.Without, t.Unit)
			if t.Key == "on_time_gain" {
				without = "-"
			}
			fmt.Fprintf(w, "| %s | %s | %s | %g %s | %s | %s |\n", t.Name, t.Before, t.Goal, t.With, t.Unit, without, met)
		}
		fmt.Fprintln(w)
		fmt.Fprintln(w, "## 明细 / Details")
		fmt.Fprintln(w)
	}
	fmt.Fprintln(w, "| 指标 / figure | 有催办 with escalation | 无催办 without |")
	fmt.Fprintln(w, "|---|---:|---:|")
	row := func(name, x, y string) { fmt.Fprintf(w, "| %s | %s | %s |\n", name, x, y) }
	row("订单 orders", fmt.Sprint(a.Orders), fmt.Sprint(b.Orders))
	row("其中 by channel", levelsPlain(a.OrdersByChannel), levelsPlain(b.OrdersByChannel))
	row("超卖件数 oversold_units", fmt.Sprint(a.OversoldUnits), fmt.Sprint(b.OversoldUnits))
	row("缺货未下成 refused (short)", fmt.Sprint(a.Sim.Refused), fmt.Sprint(b.Sim.Refused))
	row("已发货 shipped", fmt.Sprint(a.Shipped), fmt.Sprint(b.Shipped))
	row("超 48 小时发货 shipped_late_48h", fmt.Sprintf("%d (%s)", a.ShippedLate48h, pctStr(a.ShippedLate48hRate)), fmt.Sprintf("%d (%s)", b.ShippedLate48h, pctStr(b.ShippedLate48hRate)))
	row("下单→发货 p50 / p90", fmt.Sprintf("%.1f h / %.1f h", a.PlacedToShippedP50, a.PlacedToShippedP90), fmt.Sprintf("%.1f h / %.1f h", b.PlacedToShippedP50, b.PlacedToShippedP90))
	row("下单→承诺交期 p50 / p90 promise lead", fmt.Sprintf("%.1f h / %.1f h", a.PromiseLeadP50H, a.PromiseLeadP90H), fmt.Sprintf("%.1f h / %.1f h", b.PromiseLeadP50H, b.PromiseLeadP90H))
	row("未迟到 not_late_rate (≤ promised + 2 h)", fmt.Sprintf("%s (%d/%d)", pctStr(a.NotLateRate), a.NotLate, a.OnTimeBase), fmt.Sprintf("%s (%d/%d)", pctStr(b.NotLateRate), b.NotLate, b.OnTimeBase))
	row("准时率 on_time_rate (promised ± 2 h)", fmt.Sprintf("%s (%d/%d)", pctStr(a.OnTimeRate), a.OnTimeDelivered, a.OnTimeBase), fmt.Sprintf("%s (%d/%d)", pctStr(b.OnTimeRate), b.OnTimeDelivered, b.OnTimeBase))
	row("问题工单 problem tickets", fmt.Sprint(a.ProblemTickets), fmt.Sprint(b.ProblemTickets))
	row("工单接单 p90 ticket_ack_p90_s", fmt.Sprintf("%.0f s (%s)", a.TicketAckP90S, dur(a.TicketAckP90S)), fmt.Sprintf("%.0f s (%s)", b.TicketAckP90S, dur(b.TicketAckP90S)))
	row("工单处理 p90 ticket_resolve_p90_s", fmt.Sprintf("%.0f s (%s)", a.TicketResolveP90S, dur(a.TicketResolveP90S)), fmt.Sprintf("%.0f s (%s)", b.TicketResolveP90S, dur(b.TicketResolveP90S)))
	row("接单 / 处理 p90 按日历时间 (elapsed, nights included)", fmt.Sprintf("%s / %s", dur(a.TicketAckElapsedP90S), dur(a.TicketResolveElapsedP90S)), fmt.Sprintf("%s / %s", dur(b.TicketAckElapsedP90S), dur(b.TicketResolveElapsedP90S)))
	row("从未接单 / 未处理完", fmt.Sprintf("%d / %d", a.TicketsNeverAcked, a.TicketsUnresolved), fmt.Sprintf("%d / %d", b.TicketsNeverAcked, b.TicketsUnresolved))
	row("调拨单 / 到货 p90", fmt.Sprintf("%d / %.1f h", a.Transfers, a.TransferP90H), fmt.Sprintf("%d / %.1f h", b.Transfers, b.TransferP90H))
	row("催办推送 pushes_by_level", levels(a.PushesByLevel), levels(b.PushesByLevel))
	row("无人接收的告警 alarms_without_recipient", fmt.Sprint(a.AlarmsWithoutRecipient), fmt.Sprint(b.AlarmsWithoutRecipient))
	row("推送 pushes (per order)", fmt.Sprintf("%d (%.2f)", a.Pushes, a.PushesPerOrder), fmt.Sprintf("%d (%.2f)", b.Pushes, b.PushesPerOrder))
	row("其中 pushes by kind", levelsPlain(a.PushesByKind), levelsPlain(b.PushesByKind))
	row("新待办通知 new-task notices (per order)", fmt.Sprintf("%d (%.2f)", a.NewTaskNotices, a.NewTaskNoticesPerOrder), fmt.Sprintf("%d (%.2f)", b.NewTaskNotices, b.NewTaskNoticesPerOrder))
	row("超时工单 stalled tickets", fmt.Sprint(a.StalledTickets), fmt.Sprint(b.StalledTickets))
	row("主管接单后转交 handed over", fmt.Sprint(a.Sim.Redirects), fmt.Sprint(b.Sim.Redirects))
	row("企业微信命令 WeCom commands", fmt.Sprint(a.Sim.Commands), fmt.Sprint(b.Sim.Commands))
	row("命令回复 p50 / p90 (real ms)", fmt.Sprintf("%.0f / %.0f ms", a.Sim.ReplyP50Ms, a.Sim.ReplyP90Ms), fmt.Sprintf("%.0f / %.0f ms", b.Sim.ReplyP50Ms, b.Sim.ReplyP90Ms))
	row("时钟等 orderhub 回复 clock held for answers (real s)", fmt.Sprintf("%.1f s", a.Sim.HeldSeconds), fmt.Sprintf("%.1f s", b.Sim.HeldSeconds))
	row("耗时 real seconds / business hours", fmt.Sprintf("%.0f s / %.0f h", a.Sim.RealSeconds, a.Sim.BusinessHours), fmt.Sprintf("%.0f s / %.0f h", b.Sim.RealSeconds, b.Sim.BusinessHours))
	fmt.Fprintln(w)
	fmt.Fprintln(w, "## 订单在哪里等 / Where orders waited (hours, business time)")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| 阶段 stage | 时限 SLA | 有催办 p50 / p90 / max | 超时 over SLA | 无催办 p50 / p90 / max | 超时 over SLA |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|")
	for i, s := range a.Waits {
		var o StageWait
		if i < len(b.Waits) {
			o = b.Waits[i]
		}
		fmt.Fprintf(w, "| %s | %.0f h | %.1f / %.1f / %.1f | %d | %.1f / %.1f / %.1f | %d |\n", s.Name, s.SLAHours, s.P50H, s.P90H, s.MaxH, s.OverSLA, o.P50H, o.P90H, o.MaxH, o.OverSLA)
	}
	r.stockingMarkdown(w)
	for _, n := range r.Notes {
		fmt.Fprintf(w, "\n- %s", n)
	}
	if len(r.Notes) > 0 {
		fmt.Fprintln(w)
	}
}
