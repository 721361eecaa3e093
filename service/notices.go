package service

import "time"

// Notices say what happened, as data: service queues them in the outbox
// (as JSON, in the transaction of the change) and the edge that sends the
// row renders it at dispatch — bot into WeCom markdown or a template card,
// as miniprogram renders a SubscribeNote into a subscribe message. So no
// WeCom message format, card limit or button lives in service, and a
// change of wording reaches rows already queued.
//
// Each notice is an outbox msgtype of its own; the edge's Sender knows
// them (bot.Render). Rows that are messages already (text, markdown a
// command's reply queued) pass through as they are.
const (
	// MsgTypeEscalation is an EscalationNotice to staff by app message.
	MsgTypeEscalation = "escalation"
	// MsgTypeEscalationRobot is an EscalationNotice to a level's group
	// robot: ToUser is the robot's webhook key.
	MsgTypeEscalationRobot = "escalation_robot"
	// MsgTypeEscalationDigest is an EscalationDigest: one person's pushes
	// of a scan, grouped because there were more than GroupOver.
	MsgTypeEscalationDigest = "escalation_digest"
	// MsgTypeStockAudit is an AuditReport that found drift.
	MsgTypeStockAudit = "stock_audit"
	// MsgTypeTicketCards is a TicketChange: the interactive cards already
	// sent about a ticket now show who took or handled it, instead of
	// their buttons. ToUser lists whose cards.
	MsgTypeTicketCards = "ticket_cards"
	// MsgTypeTicketChange is a TicketChange told, as a line, to whoever
	// was pushed about the ticket and has no card to update.
	MsgTypeTicketChange = "ticket_change"
)

// EscalationNotice is one level of an escalation firing: what has waited,
// how long, who holds it, and who was told before.
type EscalationNotice struct {
	Level int `json:"level"`
	// What says what waits, with its numbers (订单 SO… 在「待质检」);
	// Short says it without them, for a title (「待质检」超时). Both are
	// the words written on the ticket the climb opened.
	What  string `json:"what"`
	Short string `json:"short,omitempty"`
	// OrderNo, Customer and StageName are empty for a wait without an
	// order.
	OrderNo   string        `json:"order_no,omitempty"`
	Customer  string        `json:"customer,omitempty"`
	StageName string        `json:"stage_name,omitempty"`
	Holder    string        `json:"holder,omitempty"` // who holds it now; empty: nobody
	TicketNo  string        `json:"ticket_no"`
	Waited    time.Duration `json:"waited"`
	// Before is who earlier levels told, and when.
	Before []EscalationTold `json:"before,omitempty"`
	// Nudge: the push tells the holder of the work, before its clock runs
	// out, with the one command that moves it (Action) and the time Left
	// before their lead is told.
	Nudge  bool          `json:"nudge,omitempty"`
	Action string        `json:"action,omitempty"`
	Left   time.Duration `json:"left,omitempty"`
	// TaskID is set when the push is an interactive card (escalation
	// cards on: the app has a callback to receive 接单 / 已处理 taps);
	// the card's model.CardTask row was written with it. WeCom wants it
	// unique per app, at most 128 bytes.
	TaskID string `json:"task_id,omitempty"`
}

// EscalationTold is one earlier level's pushes.
type EscalationTold struct {
	Level int       `json:"level"`
	Names []string  `json:"names"`
	At    time.Time `json:"at"`
}

// EscalationDigest is the pushes one person would have got from one scan,
// more than the configured GroupOver, as one message.
type EscalationDigest struct {
	Items []EscalationNotice `json:"items"`
}

// TicketChange is a ticket taken or handled: the cards about it, sent
// with a response code WeCom answered (or tapped with one), show it, and
// whoever was pushed about it without such a card is told.
type TicketChange struct {
	// ResponseCode is the one-time code that updates the cards (72 h);
	// empty in a line.
	ResponseCode string `json:"response_code,omitempty"`
	TicketNo     string `json:"ticket_no"`
	OrderNo      string `json:"order_no,omitempty"`
	State        string `json:"state"` // model.TicketAcknowledged or model.TicketResolved
	By           string `json:"by"`    // who did it
}

// More notices, each its own msgtype.
const (
	// MsgTypeDailyDigest is a DailyDigest: the supervisors' morning
	// message.
	MsgTypeDailyDigest = "daily_digest"
	// MsgTypeIntakeReview is an IntakeReview: an order from a channel
	// held for customer service to choose what did not match.
	MsgTypeIntakeReview = "intake_review"
	// MsgTypeStaffLeft is a StaffLeft: a leaver's lead told who now holds
	// their unfinished work.
	MsgTypeStaffLeft = "staff_left"
	// MsgTypePracticeExpired is a PracticeExpired: a trainee still in
	// practice told their sandbox was removed for lack of use.
	MsgTypePracticeExpired = "practice_expired"
)

// PracticeExpired is a trainee's practice sandbox removed because nobody
// used it for KeepDays days (practice.keep_days) while they were still
// practising: their chat is the real system's again.
type PracticeExpired struct {
	UserID   string    `json:"user_id"`
	LastUsed time.Time `json:"last_used"`
	KeepDays int       `json:"keep_days"`
}

// DailyDigest is the figures of a day's digest (service/insight/digest.go):
// yesterday's on-time rate against the day before, what is overdue now,
// open tickets by age, orders waiting for review, and the board's link.
type DailyDigest struct {
	Day       string     `json:"day"` // the local date it is for, 2026-11-25
	Yesterday DigestDay  `json:"yesterday"`
	Before    DigestDay  `json:"before"` // the day before yesterday
	Overdue   []StageNum `json:"overdue,omitempty"`
	// Tickets are the open tickets by age: under 1 hour, 1–4 hours, 4–24
	// hours, over a day.
	Tickets  [4]int `json:"tickets"`
	Review   int64  `json:"review"`
	BoardURL string `json:"board_url,omitempty"`
}

// DigestDay is a day's deliveries by punctuality (OnTimeDay), as kept in
// a queued digest.
type DigestDay struct {
	Delivered int     `json:"delivered"`
	OnTime    int     `json:"on_time"`
	Early     int     `json:"early"`
	Late      int     `json:"late"`
	Rate      float64 `json:"rate"`
	OTIFRate  float64 `json:"otif_rate"`
}

// StageNum is how many orders are overdue in a stage, named.
type StageNum struct {
	Stage string `json:"stage"`
	Name  string `json:"name"`
	N     int    `json:"n"`
}

// IntakeReview is an order from a channel held because something in it
// did not match: nothing reserved until customer service chooses.
type IntakeReview struct {
	IntakeID   uint64    `json:"intake_id"`
	From       string    `json:"from"` // the channel's name
	ExternalID string    `json:"external_id"`
	Problems   []Problem `json:"problems"`
}

// StaffLeft is a leaver made inactive and who now holds their unfinished
// orders, transfers and tickets.
type StaffLeft struct {
	Name   string     `json:"name"`
	UserID string     `json:"user_id"`
	Handed []HandedOn `json:"handed,omitempty"`
}

// HandedOn is one piece of a leaver's work given on.
type HandedOn struct {
	Kind string `json:"kind"` // HandOrder, HandTransfer, HandTicket
	Ref  string `json:"ref"`  // the order's or ticket's number, the transfer's id
	To   string `json:"to"`   // who has it now; empty: nobody
}

// What a HandedOn hands on.
const (
	HandOrder    = "order"
	HandTransfer = "transfer"
	HandTicket   = "ticket"
)

// MsgTypeNewTicket is a NewTicketNotice: a problem pushed to the person it
// was assigned to when it was opened, from any edge.
const MsgTypeNewTicket = "new_ticket"

// NewTicketNotice is a problem just opened on an order and assigned to
// the person it is pushed to.
type NewTicketNotice struct {
	TicketNo    string `json:"ticket_no"`
	Kind        string `json:"kind"` // model.TicketCustomerProblem, model.TicketStaffProblem
	OrderNo     string `json:"order_no"`
	StageName   string `json:"stage_name"`
	Reporter    string `json:"reporter"` // as the ticket records it: 买家 …, 王建国 (wangjg)
	Description string `json:"description"`
	// OfferedTo names everyone the push went to when it was offered to
	// more than the assignee (the first to take it has it).
	OfferedTo []string `json:"offered_to,omitempty"`
}

// MsgTypeNewWork is a NewWork: an order's stage given to the person who
// now holds it. Reported apart from the pushes about work at risk
// (docs/metrics.md): it is the work itself arriving, one per stage entry.
const MsgTypeNewWork = "new_work"

// NewWork is an order that entered a stage its receiver now holds.
type NewWork struct {
	OrderNo   string `json:"order_no"`
	StageName string `json:"stage_name"`
	By        string `json:"by"` // who moved it
}
