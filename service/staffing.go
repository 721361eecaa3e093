package service

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"gorm.io/gorm"

	"orderhub/model"
	"orderhub/service/catalog"
)

// Staffing keeps the people: who works here, in which roles, and what
// happens to their open work when they leave.
type Staffing struct {
	db    *gorm.DB
	pipe  *Pipeline
	clock Clock
	roles []string
}

// NewStaffing returns Staffing; roles are the configured roles staff may hold.
func NewStaffing(db *gorm.DB, pipe *Pipeline, clock Clock, roles []string) *Staffing {
	if db == nil || pipe == nil || clock == nil {
		panic("service: NewStaffing: missing dependency")
	}
	return &Staffing{db: db, pipe: pipe, clock: clock, roles: roles}
}

// StaffView is a staff member with their warehouse's code and roles.
type StaffView struct {
	model.Staff
	Warehouse string
	RoleList  []string
}

// StaffFilter narrows the staff list.
type StaffFilter struct {
	Q    string // userid, name or phone contains
	Role string
	// Active: nil lists everyone, else only active or only inactive.
	Active *bool
	Page   int
	Size   int
}

func staffViews(db *gorm.DB, ss []model.Staff) ([]StaffView, error) {
	ws, err := Warehouses(db)
	if err != nil {
		return nil, err
	}
	out := make([]StaffView, len(ss))
	for i, s := range ss {
		out[i] = StaffView{Staff: s, RoleList: SplitRoles(s.Roles)}
		if out[i].RoleList == nil {
			out[i].RoleList = []string{}
		}
		for _, w := range ws {
			if s.WarehouseID != nil && *s.WarehouseID == w.ID {
				out[i].Warehouse = w.Code
			}
		}
	}
	return out, nil
}

// List finds staff by userid, a page at a time.
func (s *Staffing) List(ctx context.Context, f StaffFilter) ([]StaffView, int64, error) {
	page, size := pageBounds(f.Page, f.Size)
	db := s.db.WithContext(ctx)
	q := db.Model(&model.Staff{})
	if v := strings.TrimSpace(f.Q); v != "" {
		like := "%" + escapeLike(v) + "%"
		q = q.Where("user_id LIKE ? OR name LIKE ? OR phone LIKE ?", like, like, like)
	}
	if v := strings.TrimSpace(f.Role); v != "" {
		if !slices.Contains(s.roles, v) {
			return nil, 0, s.unknownRole(v)
		}
		q = q.Where("roles LIKE ?", roleLike(v))
	}
	if f.Active != nil {
		q = q.Where("active = ?", *f.Active)
	}
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, err
	}
	var ss []model.Staff
	if err := q.Order("user_id").Offset((page - 1) * size).Limit(size).Find(&ss).Error; err != nil {
		return nil, 0, err
	}
	out, err := staffViews(db, ss)
	return out, total, err
}

// Get returns one staff member, active or not.
func (s *Staffing) Get(ctx context.Context, userID string) (StaffView, error) {
	var st model.Staff
	db := s.db.WithContext(ctx)
	if err := db.Where("user_id = ?", strings.TrimSpace(userID)).Take(&st).Error; err != nil {
		return StaffView{}, notFound(err, "staff", userID)
	}
	vs, err := staffViews(db, []model.Staff{st})
	if err != nil {
		return StaffView{}, err
	}
	return vs[0], nil
}

func (s *Staffing) unknownRole(r string) error {
	return invalid("roles", CodeUnknownRole, "没有角色 %q；角色有 %s", r, strings.Join(s.roles, ", "))
}

// checkRoles refuses a role that is not configured.
func (s *Staffing) checkRoles(roles []string) ([]string, error) {
	var out []string
	for _, r := range roles {
		r = strings.TrimSpace(r)
		if r == "" {
			continue
		}
		if !slices.Contains(s.roles, r) {
			return nil, s.unknownRole(r)
		}
		if !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	if len(joinRoles(out)) > 255 {
		return nil, invalid("roles", CodeTooLong, "合计超过 255 个字")
	}
	return out, nil
}

// StaffPatch changes a staff member; nil fields stay as they are. Roles
// replace all roles (an empty list leaves them with none: they can look
// but not act). Active false deactivates them as Deactivate does.
type StaffPatch struct {
	Name, Phone *string
	// Warehouse is a warehouse code or name ("" clears it).
	Warehouse *string
	Roles     *[]string
	Active    *bool
}

// Update changes the staff member with userid.
func (s *Staffing) Update(ctx context.Context, userID string, p StaffPatch, by string) (StaffView, error) {
	var roles []string
	if p.Roles != nil {
		var err error
		if roles, err = s.checkRoles(*p.Roles); err != nil {
			return StaffView{}, err
		}
	}
	err := inTx(ctx, s.db, func(tx *gorm.DB) error {
		var st model.Staff
		key := strings.TrimSpace(userID)
		if err := forUpdate(tx).Where("user_id = ?", key).Take(&st).Error; err != nil {
			return notFound(err, "staff", key)
		}
		if p.Name != nil {
			st.Name = strings.TrimSpace(*p.Name)
		}
		if p.Phone != nil {
			st.Phone = strings.TrimSpace(*p.Phone)
		}
		if p.Roles != nil {
			st.Roles = joinRoles(roles)
		}
		if err := catalog.CheckStaff(st); err != nil {
			return err
		}
		if p.Warehouse != nil {
			st.WarehouseID = nil
			if v := strings.TrimSpace(*p.Warehouse); v != "" {
				w, err := catalog.FindWarehouse(tx, v)
				if err != nil {
					return invalid("warehouse", CodeUnknownWarehouse, "没有仓库 %q", v)
				}
				st.WarehouseID = &w.ID
			}
		}
		if err := tx.Model(&model.Staff{}).Where("id = ?", st.ID).Updates(map[string]any{
			"name": st.Name, "phone": st.Phone, "roles": st.Roles, "warehouse_id": st.WarehouseID,
		}).Error; err != nil {
			return err
		}
		if p.Active != nil && *p.Active != st.Active {
			if !*p.Active {
				_, err := s.DeactivateIn(tx, st, by)
				return err
			}
			return tx.Model(&model.Staff{}).Where("id = ?", st.ID).Update("active", true).Error
		}
		return nil
	})
	if err != nil {
		return StaffView{}, err
	}
	return s.Get(ctx, userID)
}

// Handover is what a leaver's open work became.
type Handover struct {
	UserID    string
	Orders    int // open orders given to someone else
	Transfers int
	Tickets   int
	// Unassigned counts work nobody else could take (no one holds the role).
	Unassigned int
	// Told is who was told (their lead), "" if nobody could be.
	Told string
}

// Deactivate marks a staff member as gone: they can no longer act, their
// open orders, transfers and tickets go to someone else holding the role,
// and their lead is told, all in one transaction.
func (s *Staffing) Deactivate(ctx context.Context, userID, by string) (Handover, error) {
	var h Handover
	err := inTx(ctx, s.db, func(tx *gorm.DB) error {
		var st model.Staff
		key := strings.TrimSpace(userID)
		if err := forUpdate(tx).Where("user_id = ?", key).Take(&st).Error; err != nil {
			return notFound(err, "staff", key)
		}
		if !st.Active {
			h = Handover{UserID: st.UserID}
			return nil
		}
		var err error
		h, err = s.DeactivateIn(tx, st, by)
		return err
	})
	return h, err
}

// DeactivateIn does Deactivate's work inside tx, for a caller that holds the
// transaction (staff updates here, the directory sync in movein).
func (s *Staffing) DeactivateIn(tx *gorm.DB, st model.Staff, by string) (Handover, error) {
	h := Handover{UserID: st.UserID}
	now := s.clock()
	if err := tx.Model(&model.Staff{}).Where("id = ?", st.ID).Update("active", false).Error; err != nil {
		return h, err
	}
	var handed []HandedOn
	// Orders they own, in a stage before the last: to the least-loaded
	// holder of the stage's role near the order's warehouse, as a stage
	// advance picks (nextOwner; being inactive, they are not among them).
	var ords []model.Order
	if err := tx.Where("owner_staff_id = ? AND stage <> ? AND stage <> ?", st.ID, s.pipe.Last().Key, StageCancelled).Find(&ords).Error; err != nil {
		return h, err
	}
	for _, o := range ords {
		stage, _ := s.pipe.Stage(o.Stage)
		next, err := s.pipe.nextOwner(tx, stage.OwnerRole, o, []string{s.pipe.Last().Key, StageCancelled}, s.clock())
		if err != nil {
			return h, err
		}
		var to *uint64
		name := "无人接手"
		if next != nil {
			to, name = &next.ID, next.Name
			h.Orders++
		} else {
			h.Unassigned++
		}
		if err := tx.Model(&model.Order{}).Where("id = ?", o.ID).Update("owner_staff_id", to).Error; err != nil {
			return h, err
		}
		if err := tx.Create(&model.OrderEvent{OrderID: o.ID, Kind: "reassigned", FromStage: o.Stage, ToStage: o.Stage, Actor: by,
			Note: fmt.Sprintf("%s 已离开，订单交给 %s", st.Name, name), CreatedAt: now}).Error; err != nil {
			return h, err
		}
		handed = append(handed, HandedOn{Kind: HandOrder, Ref: o.No, To: nameOf(next)})
	}
	var trs []model.Transfer
	if err := tx.Where("assignee_staff_id = ? AND status = ?", st.ID, model.TransferPending).Find(&trs).Error; err != nil {
		return h, err
	}
	for _, t := range trs {
		next, err := staffWithRole(tx, s.pipe.duties.TransferKeeper, t.FromWarehouseID)
		if err != nil {
			return h, err
		}
		var to *uint64
		if next != nil {
			to = &next.ID
			h.Transfers++
		} else {
			h.Unassigned++
		}
		if err := tx.Model(&model.Transfer{}).Where("id = ?", t.ID).Updates(map[string]any{"assignee_staff_id": to, "updated_at": now}).Error; err != nil {
			return h, err
		}
		handed = append(handed, HandedOn{Kind: HandTransfer, Ref: fmt.Sprint(t.ID), To: nameOf(next)})
	}
	var tks []model.Ticket
	if err := tx.Where("assignee_staff_id = ? AND state IN ?", st.ID, []string{model.TicketOpen, model.TicketAcknowledged}).Find(&tks).Error; err != nil {
		return h, err
	}
	// Every ticket of the leaver goes to the same successor: someone with
	// one of their roles in their warehouse, else a supervisor. Found once,
	// not once per ticket.
	var next *model.Staff
	if len(tks) > 0 {
		wh := uint64(0)
		if st.WarehouseID != nil {
			wh = *st.WarehouseID
		}
		for _, role := range append(SplitRoles(st.Roles), s.pipe.supervisorRoles...) {
			var err error
			if next, err = staffWithRole(tx, role, wh); err != nil {
				return h, err
			}
			if next != nil {
				break
			}
		}
	}
	for _, tk := range tks {
		var to *uint64
		if next != nil {
			to = &next.ID
			h.Tickets++
		} else {
			h.Unassigned++
		}
		if err := tx.Model(&model.Ticket{}).Where("id = ?", tk.ID).Updates(map[string]any{"assignee_staff_id": to, "updated_at": now}).Error; err != nil {
			return h, err
		}
		handed = append(handed, HandedOn{Kind: HandTicket, Ref: tk.No, To: nameOf(next)})
	}
	lead, err := leadOf(tx, st, s.pipe)
	if err != nil {
		return h, err
	}
	if lead != "" {
		h.Told = lead
		left := StaffLeft{Name: st.Name, UserID: st.UserID, Handed: handed}
		if err := enqueue(tx, now, 0, []Message{{To: []string{lead}, Type: MsgTypeStaffLeft, Body: left}}); err != nil {
			return h, err
		}
	}
	return h, nil
}

// leadOf is who is told about a leaver: their lead from the directory if
// active, else someone holding the lead role of their first role, else a
// supervisor.
func leadOf(tx *gorm.DB, st model.Staff, pipe *Pipeline) (string, error) {
	if st.LeadUserID != "" && st.LeadUserID != st.UserID {
		var l model.Staff
		err := tx.Where("user_id = ? AND active = ?", st.LeadUserID, true).Take(&l).Error
		if err == nil {
			return l.UserID, nil
		}
		if err != gorm.ErrRecordNotFound {
			return "", err
		}
	}
	var roles []string
	for _, r := range SplitRoles(st.Roles) {
		if l := pipe.Lead(r); l != "" {
			roles = append(roles, l)
		}
	}
	wh := uint64(0)
	if st.WarehouseID != nil {
		wh = *st.WarehouseID
	}
	for _, r := range append(roles, pipe.supervisorRoles...) {
		l, err := staffWithRole(tx, r, wh)
		if err != nil {
			return "", err
		}
		if l != nil && l.ID != st.ID {
			return l.UserID, nil
		}
	}
	return "", nil
}

// nameOf is who s is, by name; empty: nobody.
func nameOf(s *model.Staff) string {
	if s == nil {
		return ""
	}
	return s.Name
}

// staffWithRole picks who holds role near the warehouse (holdersNear),
// lowest id first so the choice is stable.
func staffWithRole(db *gorm.DB, role string, warehouseID uint64) (*model.Staff, error) {
	staff, err := holdersNear(db, role, warehouseID)
	if err != nil || len(staff) == 0 {
		return nil, err
	}
	return &staff[0], nil
}
