package service

import (
	"maps"
	"slices"
	"time"

	"orderhub/config"
)

// StageCancelled is the stage of a cancelled order; it is not in the
// configured pipeline because any stage before cancel_before may lead to it.
const StageCancelled = "cancelled"

// StageShipped is the stage where reserved stock leaves the warehouse.
const StageShipped = "shipped"

// Pipeline is the configured sequence of stages.
type Pipeline struct {
	stages          []config.Stage
	index           map[string]int
	cancelBefore    int
	customerBefore  int
	supervisorRoles []string
	duties          config.Duties
	leads           map[string]string
	// hours is the working-time calendar the stage clocks count in (nil:
	// the wall clock).
	hours *Hours
	// promise tunes proposed promised times (promise.go).
	promise config.Promise
	// away and presence tell who is at work (presence.go).
	away     time.Duration
	presence *presence
}

// WithHours makes every stage clock count warehouse working hours h.
func (p *Pipeline) WithHours(h *Hours) *Pipeline {
	p.hours = h
	return p
}

// Hours is the working-time calendar the pipeline's clocks count in (nil:
// every hour counts).
func (p *Pipeline) Hours() *Hours { return p.hours }

// NewPipeline builds the pipeline from validated config.
func NewPipeline(cfg config.Config) *Pipeline {
	p := &Pipeline{stages: cfg.Stages, index: map[string]int{}, supervisorRoles: cfg.SupervisorRoles, duties: cfg.Duties,
		leads: maps.Clone(cfg.Leads), promise: cfg.Promise, away: cfg.Escalation.Away.D(), presence: &presence{}}
	for i, s := range cfg.Stages {
		p.index[s.Key] = i
	}
	p.cancelBefore = p.index[cfg.CancelBefore]
	p.customerBefore = min(p.index[cfg.CustomerCancelBefore], p.cancelBefore)
	return p
}

// SupervisorRoles are the roles that oversee every stage.
func (p *Pipeline) SupervisorRoles() []string { return slices.Clone(p.supervisorRoles) }

// Duties are the roles behind the work no stage owns.
func (p *Pipeline) Duties() config.Duties { return p.duties }

// Lead is role's lead role (config leads: keeper → keeper_lead); a lead's
// own is itself, a fellow lead; "" for a role without one.
func (p *Pipeline) Lead(role string) string {
	if l, ok := p.leads[role]; ok {
		return l
	}
	if slices.Contains(p.LeadRoles(), role) {
		return role
	}
	return ""
}

// LeadRoles lists every role that is some role's lead, sorted.
func (p *Pipeline) LeadRoles() []string {
	out := slices.Sorted(maps.Values(p.leads))
	return slices.Compact(out)
}

// HandlesTickets says whether a may handle any ticket and see every open
// one: config duties.tickets, or a supervisor role.
func (p *Pipeline) HandlesTickets(a Actor) bool {
	return a.HasRole(p.duties.Tickets...) || p.Supervisor(a)
}

// Stages returns the stages in order.
func (p *Pipeline) Stages() []config.Stage { return slices.Clone(p.stages) }

// First is the stage a new order enters.
func (p *Pipeline) First() config.Stage { return p.stages[0] }

// Last is the final stage (delivered).
func (p *Pipeline) Last() config.Stage { return p.stages[len(p.stages)-1] }

// Stage returns the stage with key.
func (p *Pipeline) Stage(key string) (config.Stage, bool) {
	i, ok := p.index[key]
	if !ok {
		return config.Stage{}, false
	}
	return p.stages[i], true
}

// Name is a stage's Chinese name, for any key including cancelled.
func (p *Pipeline) Name(key string) string {
	if key == StageCancelled {
		return "已取消"
	}
	if s, ok := p.Stage(key); ok {
		return s.Name
	}
	return key
}

// Next returns the stage after key, if any.
func (p *Pipeline) Next(key string) (config.Stage, bool) {
	i, ok := p.index[key]
	if !ok || i+1 >= len(p.stages) {
		return config.Stage{}, false
	}
	return p.stages[i+1], true
}

// Before reports whether stage a comes before stage b.
func (p *Pipeline) Before(a, b string) bool {
	ia, oka := p.index[a]
	ib, okb := p.index[b]
	return oka && okb && ia < ib
}

// Cancellable reports whether an order in stage key may still be cancelled.
func (p *Pipeline) Cancellable(key string) bool {
	i, ok := p.index[key]
	return ok && i < p.cancelBefore
}

// CustomerCancellable reports whether a buyer may still cancel an order in
// stage key by themselves.
func (p *Pipeline) CustomerCancellable(key string) bool {
	i, ok := p.index[key]
	return ok && i < p.customerBefore
}

// Allowed lists where an order in stage key may go.
func (p *Pipeline) Allowed(key string) []string {
	var out []string
	if n, ok := p.Next(key); ok {
		out = append(out, n.Key)
	}
	if p.Cancellable(key) {
		out = append(out, StageCancelled)
	}
	return out
}

// MayMove reports whether a may move an order out of stage key: its
// owner role, a supervisor role, or the admin token.
func (p *Pipeline) MayMove(a Actor, key string) bool {
	if a.Kind == ActorAdmin || a.Kind == ActorSystem {
		return true
	}
	s, ok := p.Stage(key)
	if !ok {
		return false
	}
	return a.HasRole(s.OwnerRole) || a.HasRole(p.supervisorRoles...)
}

// Supervisor reports whether a holds a supervisor role (or is admin).
func (p *Pipeline) Supervisor(a Actor) bool {
	return a.Kind == ActorAdmin || a.Kind == ActorSystem || a.HasRole(p.supervisorRoles...)
}

// Due is when an order of warehouse wh entering stage key at t runs out
// of time, counting the warehouse's working hours, if the stage has a
// clock.
func (p *Pipeline) Due(key string, wh uint64, t time.Time) *time.Time {
	s, ok := p.Stage(key)
	if !ok || s.SLA <= 0 {
		return nil
	}
	d := p.hours.Add(wh, t, s.SLA.D())
	if p.carried(key) {
		d = t.Add(s.SLA.D())
	}
	return &d
}

// carried says whether stage key is the carrier's (shipped and after):
// its clock runs day and night, not in the warehouse's hours.
func (p *Pipeline) carried(key string) bool {
	i, ok := p.index[key]
	j, shipped := p.index[StageShipped]
	return ok && shipped && i >= j
}

// Counted is the time stage key's clock counts between a and b for an
// order of warehouse wh, never less than zero: the warehouse's working
// hours, or day and night for the carrier's stages (carried).
func (p *Pipeline) Counted(key string, wh uint64, a, b time.Time) time.Duration {
	if p.carried(key) {
		return (*Hours)(nil).Between(wh, a, b) // wall-clock time
	}
	return p.hours.Between(wh, a, b)
}

// Remaining estimates how much working time an order of warehouse wh
// entering stage key at entered still needs at now to reach the last
// stage: the rest of this stage's SLA plus every later stage's SLA.
func (p *Pipeline) Remaining(key string, wh uint64, entered, now time.Time) time.Duration {
	i, ok := p.index[key]
	if !ok || i >= len(p.stages)-1 {
		return 0
	}
	var d time.Duration
	spent := p.hours.Between(wh, entered, now)
	if p.carried(key) {
		spent = now.Sub(entered)
	}
	if left := p.stages[i].SLA.D() - spent; left > 0 {
		d = left
	}
	for _, s := range p.stages[i+1 : len(p.stages)-1] {
		d += s.SLA.D()
	}
	return d
}

// Estimate is when an order of warehouse wh in stage key since entered
// reaches the last stage, as of now, if every remaining stage takes its
// SLA of working time. The last stages before delivery (in transit) run
// on the carrier's clock, day and night: they are added as wall time.
func (p *Pipeline) Estimate(key string, wh uint64, entered, now time.Time) time.Time {
	i, ok := p.index[key]
	if !ok || i >= len(p.stages)-1 {
		return now
	}
	ship := len(p.stages) - 1
	if j, ok := p.index[StageShipped]; ok {
		ship = j
	}
	at := now
	if i < ship {
		var work time.Duration
		if left := p.stages[i].SLA.D() - p.hours.Between(wh, entered, now); left > 0 {
			work = left
		}
		for _, s := range p.stages[i+1 : ship] {
			work += s.SLA.D()
		}
		at = p.hours.Add(wh, now, work)
	}
	for j := max(i, ship); j < len(p.stages)-1; j++ {
		d := p.stages[j].SLA.D()
		if j == i {
			d -= now.Sub(entered)
		}
		if d > 0 {
			at = at.Add(d)
		}
	}
	return at
}
