package miniprogram

import (
	"sort"
	"time"

	"orderhub/service"
)

// ticketLine is one step of a problem the buyer's company reported, as
// the buyer's timeline shows it: reported, taken up, resolved (with what
// was done). Staff's own tickets stay inside the company. Who took it up
// is named only when they are the order's holder, whom the detail shows
// anyway (客服 · 孙丽); anyone else (a lead, a supervisor) is 客服.
type ticketLine struct {
	At   time.Time
	Text string
	By   string
}

func (a *API) ticketLines(d service.Detail, ts []service.TicketView) []ticketLine {
	var out []ticketLine
	for _, t := range ts {
		if t.ReporterBuyerID == nil {
			continue
		}
		kind := a.ticketOut(t).KindName
		out = append(out, ticketLine{At: t.CreatedAt, Text: "反馈问题（" + kind + "）：" + a.ticketOut(t).Description + "，工单 " + t.No})
		if t.AckAt != nil {
			who := "客服"
			if t.Assignee != nil && d.Owner != nil && d.Order.OwnerStaffID != nil && t.Assignee.ID == d.Owner.ID {
				if role := ownerRole(a.d.Orders.Pipeline(), d.Order.Stage); role != "" {
					who = role + " · " + d.Owner.Name
				}
			}
			out = append(out, ticketLine{At: *t.AckAt, Text: "问题已受理，正在处理（工单 " + t.No + "）", By: who})
		}
		if t.ResolvedAt != nil {
			text := "问题已处理（工单 " + t.No + "）"
			if t.Resolution != "" {
				text += "：" + t.Resolution
			}
			out = append(out, ticketLine{At: *t.ResolvedAt, Text: text})
		}
	}
	return out
}

// withTicketLines adds the problem steps to a detail's timeline, in time
// order with the rest.
func (a *API) withTicketLines(out *orderJSON, d service.Detail, ts []service.TicketView) {
	lines := a.ticketLines(d, ts)
	if len(lines) == 0 {
		return
	}
	type at struct {
		t  time.Time
		ev eventJSON
	}
	var all []at
	for _, ev := range out.Timeline {
		t, _ := time.Parse(time.RFC3339, ev.At)
		all = append(all, at{t, ev})
	}
	for _, l := range lines {
		all = append(all, at{l.At, eventJSON{At: a.ts(l.At), Kind: "problem", By: l.By, Text: l.Text, Note: l.Text}})
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].t.Before(all[j].t) })
	out.Timeline = out.Timeline[:0]
	for _, x := range all {
		out.Timeline = append(out.Timeline, x.ev)
	}
}
