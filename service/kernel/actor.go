package kernel

import (
	"slices"
	"strings"

	"orderhub/internal/textesc"
)

// Actor kinds.
const (
	ActorAdmin    = "admin"    // the staff API's bearer token, no named person
	ActorStaff    = "staff"    // a WeCom user
	ActorCustomer = "customer" // a buyer in the mini-program
	ActorSystem   = "system"   // timers, the escalation scanner
)

// Actor is whoever asks for a change; it is recorded in the timeline and
// checked against the roles a change needs.
type Actor struct {
	Kind       string
	ID         string // WeCom userid, customer code, "admin", "system"
	Name       string
	Roles      []string
	StaffID    uint64
	CustomerID uint64
	// BuyerID is the mini-program buyer acting for the customer, if any.
	BuyerID uint64
}

// Admin is the staff API acting with its bearer token alone.
var Admin = Actor{Kind: ActorAdmin, ID: "admin", Name: "管理员"}

// System is orderhub acting on its own.
var System = Actor{Kind: ActorSystem, ID: "system", Name: "系统"}

// MaxLabel is the width, in characters, of the columns an actor's label
// is stored in (order_events.actor, stock_movements.actor, ...).
const MaxLabel = 64

// Label is how the actor appears in timelines: "王芳(wangfang)". It always
// fits MaxLabel: a long name is cut, and an id too long to leave room
// for any name stands alone (cut last of all), so that a staff member
// with a 64-character userid can still write.
func (a Actor) Label() string {
	id := []rune(a.ID)
	if a.Name == "" || a.Name == a.ID || len(id)+3 > MaxLabel {
		return textesc.Cut(a.ID, MaxLabel)
	}
	return textesc.Cut(a.Name, MaxLabel-len(id)-2) + "(" + a.ID + ")"
}

// HasRole reports whether the actor holds any of roles.
func (a Actor) HasRole(roles ...string) bool {
	for _, r := range roles {
		if slices.Contains(a.Roles, r) {
			return true
		}
	}
	return false
}

// JoinRoles stores roles as ",a,b," so that a LIKE '%,a,%' query matches
// whole role names only (keeper never matches keeper_lead).
func JoinRoles(roles []string) string {
	if len(roles) == 0 {
		return ""
	}
	return "," + strings.Join(roles, ",") + ","
}

// SplitRoles reads roles stored by JoinRoles.
func SplitRoles(s string) []string {
	var out []string
	for _, r := range strings.Split(s, ",") {
		if r = strings.TrimSpace(r); r != "" {
			out = append(out, r)
		}
	}
	return out
}

func RoleLike(role string) string { return "%," + role + ",%" }

// Dedupe keeps the first of each id or role, in order.
func Dedupe(ids []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}
