package movein

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"orderhub/model"
	"orderhub/service"
	"orderhub/service/catalog"
	"orderhub/service/kernel"
)

// Department is one department of the company's WeCom directory.
type Department struct {
	ID       int
	Name     string
	ParentID int
	// Leaders are the userids of the department's leaders (负责人).
	Leaders []string
}

// Member is one person of the directory and the departments they are in.
type Member struct {
	UserID      string
	Name        string
	Departments []int
}

// Directory reads the company's WeCom directory; bot's WeCom client
// satisfies it through silenceper/wechat's addresslist.
type Directory interface {
	Departments(ctx context.Context) ([]Department, error)
	Members(ctx context.Context, departmentID int) ([]Member, error)
}

// DirectorySync keeps staff in step with the WeCom directory: new people
// appear without roles (they can look, not act) until an admin gives them
// roles; people who left are deactivated, their open work handed over and
// their lead told; names, departments and leads follow the directory.
type DirectorySync struct {
	db       *gorm.DB
	staffing *service.Staffing
	dir      Directory
	clock    kernel.Clock
	loc      *time.Location
	log      *slog.Logger
	// At is the local time of day the nightly run starts.
	At time.Duration
	// Instance names this process in the run it claims.
	Instance string
}

// NewDirectorySync returns a sync that runs nightly at 03:00 local time.
func NewDirectorySync(db *gorm.DB, staffing *service.Staffing, dir Directory, clock kernel.Clock, loc *time.Location, log *slog.Logger) *DirectorySync {
	if db == nil || staffing == nil || dir == nil || clock == nil || loc == nil || log == nil {
		panic("service: NewDirectorySync: missing dependency")
	}
	return &DirectorySync{db: db, staffing: staffing, dir: dir, clock: clock, loc: loc, log: log, At: 3 * time.Hour, Instance: kernel.RandomToken()[:12]}
}

// SyncResult counts what a sync did.
type SyncResult struct {
	Departments int
	Members     int
	Created     []string // userids new to orderhub, without roles
	Updated     int
	Unchanged   int
	Left        []service.Handover // people deactivated and what became of their work
}

// Summary is the result in one line, for logs and job runs.
func (r SyncResult) Summary() string {
	left := make([]string, len(r.Left))
	for i, h := range r.Left {
		left[i] = h.UserID
	}
	return fmt.Sprintf("departments %d, members %d, new %d %v, updated %d, unchanged %d, left %d %v",
		r.Departments, r.Members, len(r.Created), r.Created, r.Updated, r.Unchanged, len(r.Left), left)
}

// ErrDirectoryTooSmall refuses a sync that would deactivate most staff:
// an app whose visible range shrank must not empty the company.
var errDirectoryTooSmall = service.Conflict(kernel.CodeDirectoryTooSmall, "通讯录返回的人太少：拒绝停用大多数员工（请检查企业微信应用的可见范围）")

// Sync reads the whole directory and applies it in one transaction.
func (d *DirectorySync) Sync(ctx context.Context, by string) (SyncResult, error) {
	var res SyncResult
	depts, err := d.dir.Departments(ctx)
	if err != nil {
		return res, fmt.Errorf("directory: departments: %w", err)
	}
	res.Departments = len(depts)
	byID := map[int]Department{}
	for _, dp := range depts {
		byID[dp.ID] = dp
	}
	members := map[string]*Member{}
	var order []string
	for _, dp := range depts {
		ms, err := d.dir.Members(ctx, dp.ID)
		if err != nil {
			return res, fmt.Errorf("directory: members of department %d: %w", dp.ID, err)
		}
		for _, m := range ms {
			m.UserID = strings.TrimSpace(m.UserID)
			if m.UserID == "" || len(m.UserID) > catalog.MaxUserID {
				continue
			}
			got, ok := members[m.UserID]
			if !ok {
				mm := m
				mm.Departments = nil
				members[m.UserID], got = &mm, &mm
				order = append(order, m.UserID)
			}
			for _, id := range append(m.Departments, dp.ID) {
				if !slices.Contains(got.Departments, id) {
					got.Departments = append(got.Departments, id)
				}
			}
		}
	}
	res.Members = len(members)
	now := d.clock()
	err = kernel.InTx(ctx, d.db, func(tx *gorm.DB) error {
		var staff []model.Staff
		if err := kernel.ForUpdate(tx).Find(&staff).Error; err != nil {
			return err
		}
		known := map[string]model.Staff{}
		active := 0
		for _, s := range staff {
			known[s.UserID] = s
			if s.Active {
				active++
			}
		}
		var leaving []model.Staff
		for _, s := range staff {
			if s.Active && members[s.UserID] == nil {
				leaving = append(leaving, s)
			}
		}
		if len(members) == 0 || (active >= 4 && len(leaving)*2 > active) {
			return errDirectoryTooSmall
		}
		for _, id := range order {
			m := members[id]
			name := []rune(strings.TrimSpace(m.Name))
			if len(name) > catalog.MaxStaffName {
				name = name[:catalog.MaxStaffName]
			}
			if len(name) == 0 {
				name = []rune(m.UserID)
			}
			deps := make([]string, len(m.Departments))
			slices.Sort(m.Departments)
			for i, dp := range m.Departments {
				deps[i] = strconv.Itoa(dp)
			}
			depStr := strings.Join(deps, ",")
			if len(depStr) > 255 {
				depStr = depStr[:strings.LastIndex(depStr[:255], ",")]
			}
			lead := leadFor(m, byID)
			s, ok := known[id]
			if !ok {
				s = model.Staff{UserID: id, Name: string(name), Active: true, Departments: depStr, LeadUserID: lead, CreatedAt: now}
				if err := tx.Create(&s).Error; err != nil {
					return err
				}
				res.Created = append(res.Created, id)
				continue
			}
			if s.Name == string(name) && s.Departments == depStr && s.LeadUserID == lead {
				res.Unchanged++
				continue
			}
			if err := tx.Model(&model.Staff{}).Where("id = ?", s.ID).Updates(map[string]any{
				"name": string(name), "departments": depStr, "lead_user_id": lead,
			}).Error; err != nil {
				return err
			}
			s.LeadUserID = lead
			known[id] = s
			res.Updated++
		}
		for _, s := range leaving {
			s.LeadUserID = known[s.UserID].LeadUserID
			h, err := d.staffing.DeactivateIn(tx, s, by)
			if err != nil {
				return err
			}
			res.Left = append(res.Left, h)
		}
		return nil
	})
	return res, err
}

// leadFor is a member's lead: the leader of their first department, or of
// its parent when they lead it themselves.
func leadFor(m *Member, depts map[int]Department) string {
	if len(m.Departments) == 0 {
		return ""
	}
	id := m.Departments[0]
	for range 16 {
		dp, ok := depts[id]
		if !ok {
			return ""
		}
		for _, l := range dp.Leaders {
			if l != m.UserID && len(l) <= catalog.MaxUserID {
				return l
			}
		}
		if dp.ParentID == 0 || dp.ParentID == id {
			return ""
		}
		id = dp.ParentID
	}
	return ""
}

// JobDirectorySync names the nightly sync's job runs.
const JobDirectorySync = "directory_sync"

// RunIfDue runs the nightly sync when today's start time has passed and
// no instance has claimed today's run. The claim is a row in job_runs with
// a unique (job, day): whichever instance inserts it runs, the others find
// it taken; no instance assumes it is alone.
func (d *DirectorySync) RunIfDue(ctx context.Context) (ran bool, res SyncResult, err error) {
	now := d.clock().In(d.loc)
	day := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, d.loc)
	if now.Before(day.Add(d.At)) {
		return false, res, nil
	}
	run := model.JobRun{Job: JobDirectorySync, Slot: day.Format("2006-01-02"), Instance: d.Instance, StartedAt: d.clock()}
	// A plain INSERT: the unique key refuses every instance but the first
	// (MySQL's ON DUPLICATE KEY can count a no-op as a row).
	if err := d.db.WithContext(ctx).Create(&run).Error; err != nil {
		if kernel.IsDuplicate(err) {
			return false, res, nil
		}
		return false, res, err
	}
	res, err = d.Sync(ctx, "企业微信通讯录同步")
	summary := res.Summary()
	if err != nil {
		summary = "failed: " + err.Error()
	}
	fin := d.clock()
	if uerr := d.db.WithContext(context.WithoutCancel(ctx)).Model(&model.JobRun{}).Where("id = ?", run.ID).
		Updates(map[string]any{"finished_at": fin, "result": kernel.Trunc(summary, 500)}).Error; uerr != nil && err == nil {
		err = uerr
	}
	return true, res, err
}

// Nightly calls RunIfDue every minute until ctx ends.
func (d *DirectorySync) Nightly(ctx context.Context) {
	kernel.EveryTick(ctx, time.Minute, d.log, "directory sync", func() {
		ran, res, err := d.RunIfDue(ctx)
		if err != nil && ctx.Err() == nil {
			d.log.ErrorContext(ctx, "directory sync", "err", err)
		} else if ran {
			d.log.InfoContext(ctx, "directory sync", "result", res.Summary())
		}
	})
}

// Dir is the directory the sync reads.
func (d *DirectorySync) Dir() Directory { return d.dir }
