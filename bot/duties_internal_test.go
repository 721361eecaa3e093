package bot

import (
	"testing"

	"orderhub/config"
	"orderhub/service"
)

// TestCommandRolesAreConfig: which roles may use a guarded command comes
// from config — its duties, and for 发货 the stage shipping leaves — so a
// role renamed in config (keeper → warehouse_keeper, dispatcher →
// shipper) keeps its commands and the old name gets none.
func TestCommandRolesAreConfig(t *testing.T) {
	cfg := config.Default()
	rename := func(from, to string) {
		swap := func(rs []string) {
			for i := range rs {
				if rs[i] == from {
					rs[i] = to
				}
			}
		}
		swap(cfg.Roles)
		for i := range cfg.Stages {
			if cfg.Stages[i].OwnerRole == from {
				cfg.Stages[i].OwnerRole = to
			}
			for j := range cfg.Stages[i].Escalation {
				swap(cfg.Stages[i].Escalation[j].Notify)
			}
		}
		for _, ladder := range [][]config.Level{cfg.Escalation.TicketAck, cfg.Escalation.TicketResolve, cfg.Escalation.Transfers, cfg.Escalation.TransferDispatch} {
			for j := range ladder {
				swap(ladder[j].Notify)
			}
		}
		if cfg.Duties.TransferKeeper == from {
			cfg.Duties.TransferKeeper = to
		}
		for _, l := range [][]string{cfg.Duties.Transfers, cfg.Duties.Cancel, cfg.Duties.Attach, cfg.Duties.Stock, cfg.Duties.OrderTaking, cfg.Duties.Tickets} {
			swap(l)
		}
		leads := map[string]string{}
		for role, lead := range cfg.Leads {
			if role == from {
				role = to
			}
			if lead == from {
				lead = to
			}
			leads[role] = lead
		}
		cfg.Leads = leads
	}
	rename("keeper", "warehouse_keeper")
	rename("dispatcher", "shipper")
	rename("dispatcher_lead", "shipper_lead")
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	pipe := service.NewPipeline(cfg)
	b := &Bot{pipe: pipe, may: mayByDuty(pipe)}
	staff := func(roles ...string) service.Actor {
		return service.Actor{Kind: service.ActorStaff, ID: "u", Name: "某人", Roles: roles}
	}
	for _, tc := range []struct {
		name  string
		actor service.Actor
		cmd   string
		want  bool
	}{
		{"the renamed keeper books goods in", staff("warehouse_keeper"), cmdReceive, true},
		{"the renamed keeper counts", staff("warehouse_keeper"), cmdCount, true},
		{"the renamed keeper receives transfers", staff("warehouse_keeper"), cmdTransferDone, true},
		{"the renamed keeper takes phone orders", staff("warehouse_keeper"), cmdQuickOrder, true},
		{"the old name is nobody", staff("keeper"), cmdReceive, false},
		{"the renamed dispatcher ships", staff("shipper"), cmdShip, true},
		{"the renamed dispatcher's lead ships", staff("shipper_lead"), cmdShip, true},
		{"the renamed dispatcher attaches", staff("shipper"), cmdAttach, true},
		{"a picker does not ship", staff("picker"), cmdShip, false},
		{"a picker does not count", staff("picker"), cmdCount, false},
		{"a supervisor does everything", staff("supervisor"), cmdCount, true},
		{"everyone asks for help", staff("picker"), cmdHelp, true},
		{"the renamed lead handles every ticket", staff("shipper_lead"), "", true},
		{"a picker handles only their own tickets", staff("picker"), "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.cmd == "" {
				if got := b.pipe.HandlesTickets(tc.actor); got != tc.want {
					t.Errorf("HandlesTickets(%v) = %v, want %v", tc.actor.Roles, got, tc.want)
				}
				return
			}
			if got := b.allowed(tc.actor, specOf(tc.cmd)); got != tc.want {
				t.Errorf("allowed(%v, %s) = %v, want %v", tc.actor.Roles, tc.cmd, got, tc.want)
			}
		})
	}
}
