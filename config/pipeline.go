package config

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// Duties are the roles behind the work that no stage of the pipeline owns.
type Duties struct {
	// TransferKeeper is the role a new transfer is assigned to (its holder
	// in the source warehouse) and who is told when one is on its way; its
	// lead is the transfer ladder's "@lead".
	TransferKeeper string `yaml:"transfer_keeper"`
	// Transfers may dispatch and receive transfers (besides the
	// supervisor roles).
	Transfers []string `yaml:"transfers"`
	// Cancel may cancel an order in any stage before cancel_before
	// (besides the stage's owner and the supervisor roles).
	Cancel []string `yaml:"cancel"`
	// Attach may attach files (waybill photos) to an order in any stage
	// (besides the stage's owner).
	Attach []string `yaml:"attach"`
	// Stock may book goods in (入库) and correct stock by a count (盘点)
	// in chat (besides the supervisor roles).
	Stock []string `yaml:"stock"`
	// OrderTaking may take phone and fax orders in chat: drafts typed
	// (下单) or read from a slip photo, confirmed or discarded (besides
	// the supervisor roles).
	OrderTaking []string `yaml:"order_taking"`
	// Tickets may handle any ticket and see every open one in chat
	// (besides its assignee, whoever it was pushed to, and the supervisor
	// roles).
	Tickets []string `yaml:"tickets"`
	// Audit are told what the nightly stock audit found; when nobody
	// holds one of them, the supervisor roles are.
	Audit []string `yaml:"audit"`
	// Aftercare is the role that answers for an order no stage holds any
	// more (delivered, cancelled): a buyer's problem on it is assigned to
	// one of its holders, and the ticket's "@lead" is their lead. Its
	// holders at work are also pushed buyers' requests to be linked to
	// their company, and decide them with its lead. Empty: the first
	// stage's owner role (who took the order in).
	Aftercare string `yaml:"aftercare"`
}

// DefaultLeads are the leads of the business as it works today.
func DefaultLeads() map[string]string {
	return map[string]string{"keeper": "keeper_lead", "picker": "picker_lead", "qc": "qc_lead", "dispatcher": "dispatcher_lead",
		"customer_service": "cs_lead"}
}

// DefaultDuties are the duties of the business as it works today.
func DefaultDuties() Duties {
	return Duties{
		TransferKeeper: "keeper",
		Transfers:      []string{"keeper", "keeper_lead"},
		Cancel:         []string{"customer_service"},
		Attach:         []string{"dispatcher", "keeper", "dispatcher_lead", "keeper_lead"},
		Stock:          []string{"keeper", "keeper_lead"},
		OrderTaking:    []string{"customer_service", "cs_lead", "keeper", "keeper_lead"},
		Tickets:        []string{"keeper_lead", "picker_lead", "qc_lead", "dispatcher_lead", "cs_lead", "production_director"},
		Audit:          []string{"admin"},
		Aftercare:      "customer_service",
	}
}

// Stage is one step of the order pipeline.
type Stage struct {
	Key       string `yaml:"key"`
	Name      string `yaml:"name"`
	OwnerRole string `yaml:"owner_role"`
	// Requires names the fields an order must carry to enter this stage.
	Requires []string `yaml:"requires"`
	// SLA is how long an order is expected to stay in this stage; it drives
	// ETAs and deadlines. Zero means no clock.
	SLA Duration `yaml:"sla"`
	// Escalation lists who is pushed, and when, while an order sits in
	// this stage: level 1 first, each later level after a longer wait.
	Escalation []Level `yaml:"escalation"`
}

// DefaultRoles are the roles of the business as it works today.
var DefaultRoles = []string{
	"keeper", "picker", "qc", "dispatcher", "customer_service",
	"keeper_lead", "picker_lead", "qc_lead", "dispatcher_lead", "cs_lead",
	"supervisor", "production_director", "director", "admin",
}

// DefaultStages is the pipeline the business runs today. Each working
// stage escalates to its lead when its SLA runs out and to the
// production director at twice the SLA. A "@holder" nudge before the
// lead is available but not on by default: in the replay an alarm per
// order-stage slowed chat and shipping (docs/simulate-report.md).
func DefaultStages() []Stage {
	ladder := func(sla time.Duration, lead string) []Level {
		return []Level{
			{After: Duration(sla), Notify: []string{lead}},
			{After: Duration(2 * sla), Notify: []string{"production_director"}},
		}
	}
	return []Stage{
		{Key: "submitted", Name: "待确认", OwnerRole: "customer_service", SLA: Duration(2 * time.Hour), Escalation: ladder(2*time.Hour, "cs_lead")},
		{Key: "confirmed", Name: "已确认", OwnerRole: "keeper", Requires: []string{"promised_at"}, SLA: Duration(4 * time.Hour), Escalation: ladder(4*time.Hour, "keeper_lead")},
		{Key: "picking", Name: "配货中", OwnerRole: "picker", SLA: Duration(4 * time.Hour), Escalation: ladder(4*time.Hour, "picker_lead")},
		{Key: "qc", Name: "待质检", OwnerRole: "qc", Requires: []string{"qc_inspector"}, SLA: Duration(2 * time.Hour), Escalation: ladder(2*time.Hour, "qc_lead")},
		{Key: "packed", Name: "待发货", OwnerRole: "dispatcher", SLA: Duration(4 * time.Hour), Escalation: ladder(4*time.Hour, "dispatcher_lead")},
		{Key: "shipped", Name: "已发货", OwnerRole: "dispatcher", Requires: []string{"carrier", "tracking_no", "waybill_photo"}, SLA: Duration(48 * time.Hour)},
		{Key: "delivered", Name: "已签收"},
	}
}

func (c *Config) validateStages() error {
	roles := map[string]bool{}
	for i, r := range c.Roles {
		if r == "" {
			return fmt.Errorf("config: roles[%d]: must not be empty", i)
		}
		roles[r] = true
	}
	for i, r := range c.SupervisorRoles {
		if !roles[r] {
			return fmt.Errorf("config: supervisor_roles[%d]: unknown role %q", i, r)
		}
	}
	if err := c.validateDuties(roles); err != nil {
		return err
	}
	for _, role := range slices.Sorted(maps.Keys(c.Leads)) {
		if !roles[role] {
			return fmt.Errorf("config: leads: unknown role %q", role)
		}
		if !roles[c.Leads[role]] {
			return fmt.Errorf("config: leads.%s: unknown role %q", role, c.Leads[role])
		}
	}
	if len(c.Stages) < 2 {
		return errors.New("config: stages: a pipeline needs at least two stages")
	}
	seen := map[string]bool{}
	for i, s := range c.Stages {
		switch {
		case s.Key == "":
			return fmt.Errorf("config: stages[%d].key: must not be empty", i)
		case s.Key == "cancelled":
			return fmt.Errorf("config: stages[%d].key: %q is reserved for cancelled orders", i, s.Key)
		case seen[s.Key]:
			return fmt.Errorf("config: stages[%d].key: %q appears twice", i, s.Key)
		case s.Name == "":
			return fmt.Errorf("config: stages[%d].name: must not be empty", i)
		case i < len(c.Stages)-1 && s.OwnerRole == "":
			return fmt.Errorf("config: stages[%d].owner_role: must not be empty", i)
		case s.OwnerRole != "" && !roles[s.OwnerRole]:
			return fmt.Errorf("config: stages[%d].owner_role: unknown role %q", i, s.OwnerRole)
		case s.SLA < 0:
			return fmt.Errorf("config: stages[%d].sla: must be >= 0", i)
		}
		for j, f := range s.Requires {
			if f == "" || strings.ContainsAny(f, " =") {
				return fmt.Errorf("config: stages[%d].requires[%d]: %q is not a field name", i, j, f)
			}
		}
		seen[s.Key] = true
	}
	if !seen["shipped"] {
		return errors.New(`config: stages: the pipeline must have a stage with key "shipped" (where stock leaves the warehouse)`)
	}
	if !seen[c.CancelBefore] {
		return fmt.Errorf("config: cancel_before: %q is not a stage key", c.CancelBefore)
	}
	if !seen[c.CustomerCancelBefore] {
		return fmt.Errorf("config: customer_cancel_before: %q is not a stage key", c.CustomerCancelBefore)
	}
	return nil
}

// validateDuties: every duty names configured roles, so renaming a role
// without renaming its duties stops the start instead of leaving transfers
// unassigned and nobody allowed to receive them.
func (c *Config) validateDuties(roles map[string]bool) error {
	d := c.Duties
	if d.TransferKeeper == "" {
		return errors.New("config: duties.transfer_keeper: must name the role transfers are assigned to")
	}
	if !roles[d.TransferKeeper] {
		return fmt.Errorf("config: duties.transfer_keeper: unknown role %q", d.TransferKeeper)
	}
	if d.Aftercare != "" && !roles[d.Aftercare] {
		return fmt.Errorf("config: duties.aftercare: unknown role %q", d.Aftercare)
	}
	for key, list := range map[string][]string{"duties.transfers": d.Transfers, "duties.cancel": d.Cancel, "duties.attach": d.Attach,
		"duties.stock": d.Stock, "duties.order_taking": d.OrderTaking, "duties.tickets": d.Tickets, "duties.audit": d.Audit} {
		if len(list) == 0 {
			return fmt.Errorf("config: %s: name at least one role", key)
		}
		for i, r := range list {
			if !roles[r] {
				return fmt.Errorf("config: %s[%d]: unknown role %q", key, i, r)
			}
		}
	}
	return nil
}
