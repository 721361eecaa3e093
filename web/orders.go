package web

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"orderhub/internal/apierror"
	"orderhub/internal/apiorder"
	"orderhub/internal/apitime"
	"orderhub/internal/jsonbody"
	"orderhub/model"
	"orderhub/service"
)

type lineJSON struct {
	SKU      string `json:"sku"`
	Name     string `json:"name"`
	Qty      int64  `json:"qty"`
	PriceFen int64  `json:"price_fen"`
}

type allocationJSON struct {
	SKU        string  `json:"sku"`
	Warehouse  string  `json:"warehouse"`
	Qty        int64   `json:"qty"`
	State      string  `json:"state"`
	TransferID *uint64 `json:"transfer_id,omitempty"`
}

type eventJSON struct {
	At     string          `json:"at"`
	Kind   string          `json:"kind"`
	From   string          `json:"from,omitempty"`
	To     string          `json:"to,omitempty"`
	Actor  string          `json:"actor"`
	Fields json.RawMessage `json:"fields,omitempty"`
	Note   string          `json:"note,omitempty"`
}

type personJSON struct {
	UserID string `json:"userid"`
	Name   string `json:"name"`
	Phone  string `json:"phone"`
}

type orderJSON struct {
	No             string      `json:"no"`
	Channel        string      `json:"channel"`
	Customer       string      `json:"customer"`
	CustomerName   string      `json:"customer_name,omitempty"`
	Warehouse      string      `json:"warehouse,omitempty"`
	Stage          string      `json:"stage"`
	StageName      string      `json:"stage_name"`
	StageEnteredAt string      `json:"stage_entered_at"`
	StageDueAt     *string     `json:"stage_due_at"`
	Owner          *personJSON `json:"owner"`
	Address        string      `json:"address"`
	// AddressSource is "customer" when the order gave no address and the
	// customer's address on file was used; "" when the order gave it.
	AddressSource string  `json:"address_source,omitempty"`
	Remark        string  `json:"remark"`
	PromisedAt    *string `json:"promised_at"`
	// DeliverySlot is the slot the promise booked (promise.slot before
	// it): the carrier or the company's truck delivers in it.
	DeliverySlot *slotJSON         `json:"delivery_slot,omitempty"`
	Carrier      string            `json:"carrier,omitempty"`
	TrackingNo   string            `json:"tracking_no,omitempty"`
	Fields       map[string]string `json:"fields,omitempty"`
	TotalFen     int64             `json:"total_fen"`
	CreatedAt    string            `json:"created_at"`
	Lines        []lineJSON        `json:"lines"`
	Allocations  []allocationJSON  `json:"allocations,omitempty"`
	Transfers    []transferJSON    `json:"transfers,omitempty"`
	Timeline     []eventJSON       `json:"timeline,omitempty"`
	// Intake is where a channel, chat or photo order came in, with the
	// slip photo's link.
	Intake *intakeRefJSON `json:"intake,omitempty"`
}

type slotJSON struct {
	From string `json:"from"`
	To   string `json:"to"`
}

type intakeRefJSON struct {
	ID         uint64 `json:"id"`
	Source     string `json:"source"`
	ExternalID string `json:"external_id,omitempty"`
	Photo      string `json:"photo_url,omitempty"`
}

func personOut(st *model.Staff) *personJSON {
	if st == nil {
		return nil
	}
	return &personJSON{UserID: st.UserID, Name: st.Name, Phone: st.Phone}
}

// ts and tsPtr write a time as every answer does (apitime): RFC 3339 in
// the business's zone.
func (s *Server) ts(t time.Time) string { return apitime.New(s.d.Location).Format(t) }

func (s *Server) tsPtr(t *time.Time) *string { return apitime.New(s.d.Location).Ptr(t) }

// summary is an order without its allocations, transfers and timeline.
func (s *Server) summary(o model.Order) orderJSON {
	out := orderJSON{
		No: o.No, Channel: o.Channel, Stage: o.Stage, StageName: s.d.Orders.Pipeline().Name(o.Stage),
		StageEnteredAt: s.ts(o.StageEnteredAt), StageDueAt: s.tsPtr(o.StageDueAt), Address: o.Address, AddressSource: o.AddressSource, Remark: o.Remark,
		PromisedAt: s.tsPtr(o.PromisedAt), Carrier: o.Carrier, TrackingNo: o.TrackingNo, TotalFen: o.TotalFen, CreatedAt: s.ts(o.CreatedAt),
		Lines: make([]lineJSON, len(o.Lines)),
	}
	for i, l := range o.Lines {
		out.Lines[i] = lineJSON{SKU: l.SKU, Name: l.Name, Qty: l.Qty, PriceFen: l.PriceFen}
	}
	if o.PromisedAt != nil {
		if from, to, ok := s.d.Orders.DeliverySlot(*o.PromisedAt); ok {
			out.DeliverySlot = &slotJSON{From: s.ts(from), To: s.ts(to)}
		}
	}
	return out
}

func (s *Server) detail(d service.Detail) orderJSON {
	out := s.summary(d.Order)
	out.Customer, out.CustomerName, out.Warehouse = d.Customer.Code, d.Customer.Name, d.Warehouse.Code
	out.Fields = apitime.New(s.d.Location).Fields(d.Fields())
	out.Owner = personOut(d.Owner)
	for _, a := range d.Allocations {
		out.Allocations = append(out.Allocations, allocationJSON{SKU: d.SKUs[a.ProductID], Warehouse: d.WarehouseCodes[a.WarehouseID], Qty: a.Qty, State: a.State, TransferID: a.TransferID})
	}
	for _, t := range d.Transfers {
		tj := transferJSON{ID: t.ID, From: d.WarehouseCodes[t.FromWarehouseID], To: d.WarehouseCodes[t.ToWarehouseID],
			SKU: d.SKUs[t.ProductID], Qty: t.Qty, OrderNo: d.Order.No, Status: t.Status, CreatedAt: s.ts(t.CreatedAt), ReceivedAt: s.tsPtr(t.ReceivedAt), ReceivedBy: t.ReceivedBy,
			DispatchedAt: s.tsPtr(t.DispatchedAt), DispatchedBy: t.DispatchedBy, Carrier: t.Carrier, WaybillNo: t.WaybillNo}
		if t.AssigneeStaffID != nil {
			tj.Assignee = d.Assignees[*t.AssigneeStaffID].Name
		}
		out.Transfers = append(out.Transfers, tj)
	}
	for _, e := range d.Events {
		ev := eventJSON{At: s.ts(e.CreatedAt), Kind: e.Kind, From: e.FromStage, To: e.ToStage, Actor: e.Actor, Note: e.Note}
		if e.Fields != "" && e.Fields != "{}" && e.Fields != "null" {
			var f map[string]string
			if json.Unmarshal([]byte(e.Fields), &f) == nil {
				if b, err := json.Marshal(apitime.New(s.d.Location).Fields(f)); err == nil {
					ev.Fields = b
				}
			} else {
				ev.Fields = json.RawMessage(e.Fields)
			}
		}
		out.Timeline = append(out.Timeline, ev)
	}
	return out
}

func (s *Server) createOrder(c *gin.Context) {
	var in struct {
		Customer   string          `json:"customer"`
		Lines      []apiorder.Line `json:"lines"`
		Address    string          `json:"address"`
		Remark     string          `json:"remark"`
		PromisedAt json.RawMessage `json:"promised_at"` // an RFC 3339 string, or null
		By         string          `json:"by"`
	}
	if !bind(c, &in) {
		return
	}
	actor, ok := s.actor(c, in.By)
	if !ok {
		return
	}
	promised, ok := jsonbody.Time(in.PromisedAt)
	if !ok {
		writeErr(c, http.StatusUnprocessableEntity, "invalid_time", "promised_at: 须为 RFC 3339 时间字符串，例如 2026-11-30T18:00:00+08:00")
		return
	}
	lines, ok := apiorder.Lines(c, in.Lines)
	if !ok {
		return
	}
	d, created, err := s.d.Orders.Create(c.Request.Context(), service.NewOrder{
		Channel: service.ChannelAPI, Customer: in.Customer, Lines: lines, Address: in.Address, Remark: in.Remark,
		PromisedAt: promised, IdempotencyKey: c.GetHeader("Idempotency-Key"), Actor: actor,
	})
	if err != nil {
		s.fail(c, err)
		return
	}
	apiorder.Answer(c, created, gin.H{"order": s.detail(d)})
}

func (s *Server) listOrders(c *gin.Context) {
	p, size, ok := page(c)
	if !ok {
		return
	}
	orders, total, err := s.d.Orders.List(c.Request.Context(), service.OrderFilter{Stage: c.Query("stage"), Customer: c.Query("customer"), Channel: c.Query("channel"), Page: p, Size: size})
	if err != nil {
		s.fail(c, err)
		return
	}
	items := make([]orderJSON, len(orders))
	for i, o := range orders {
		items[i] = s.summary(o.Order)
		items[i].Customer, items[i].CustomerName = o.Customer.Code, o.Customer.Name
		items[i].Owner = personOut(o.Owner)
	}
	c.JSON(http.StatusOK, gin.H{"items": items, "total": total, "page": p, "size": size})
}

func (s *Server) getOrder(c *gin.Context) {
	d, err := s.d.Orders.Get(c.Request.Context(), c.Param("no"))
	if err != nil {
		s.fail(c, err)
		return
	}
	out := s.detail(d)
	if s.intakes != nil {
		it, err := s.intakes.ForOrder(c.Request.Context(), d.Order.ID)
		if err != nil {
			s.fail(c, err)
			return
		}
		if it != nil {
			out.Intake = &intakeRefJSON{ID: it.ID, Source: it.Source}
			if it.Source == model.SourceChannel {
				out.Intake.ExternalID = it.ExternalID
			}
			if it.Photo != "" {
				out.Intake.Photo = "/api/v1/intakes/" + strconv.FormatUint(it.ID, 10) + "/photo"
			}
		}
	}
	c.JSON(http.StatusOK, gin.H{"order": out})
}

func (s *Server) cancelOrder(c *gin.Context) {
	var in struct {
		Reason string `json:"reason"`
		By     string `json:"by"`
	}
	if c.Request.ContentLength != 0 && !bind(c, &in) {
		return
	}
	actor, ok := s.actor(c, in.By)
	if !ok {
		return
	}
	d, err := s.d.Orders.Cancel(c.Request.Context(), c.Param("no"), actor, in.Reason)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"order": s.detail(d)})
}

func (s *Server) advanceOrder(c *gin.Context) {
	var in struct {
		To     string            `json:"to"`
		By     string            `json:"by"`
		Fields map[string]string `json:"fields"`
		Note   string            `json:"note"`
	}
	if !bind(c, &in) {
		return
	}
	if in.To == "" {
		writeErr(c, http.StatusUnprocessableEntity, "required", "to: 必填，要推进到的阶段")
		return
	}
	actor, ok := s.actor(c, in.By)
	if !ok {
		return
	}
	d, err := s.d.Orders.Advance(c.Request.Context(), service.Move{No: c.Param("no"), To: in.To, Fields: in.Fields, Actor: actor, Note: in.Note})
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"order": s.detail(d)})
}

// proposePromise answers the promised time orderhub proposes for an order
// now, with what it rests on; advancing with promised_at "proposed" takes
// it.
func (s *Server) proposePromise(c *gin.Context) {
	p, err := s.d.Orders.Propose(c.Request.Context(), c.Param("no"))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, apierror.ProposalOf(p))
}
