package bot

import (
	"context"

	"orderhub/service/movein"
)

// Departments lists every department the app can see, with its leaders
// (department/list, through silenceper/wechat's addresslist).
func (w *WeCom) Departments(ctx context.Context) ([]movein.Department, error) {
	var out []movein.Department
	err := w.withToken(ctx, func() error {
		ds, err := w.dir.DepartmentList()
		if err != nil {
			return err
		}
		out = make([]movein.Department, 0, len(ds))
		for _, d := range ds {
			out = append(out, movein.Department{ID: d.ID, Name: d.Name, ParentID: d.ParentID, Leaders: d.DepartmentLeader})
		}
		return nil
	})
	return out, err
}

// Members lists the members of one department (user/simplelist).
func (w *WeCom) Members(ctx context.Context, departmentID int) ([]movein.Member, error) {
	var out []movein.Member
	err := w.withToken(ctx, func() error {
		us, err := w.dir.UserSimpleList(departmentID)
		if err != nil {
			return err
		}
		out = make([]movein.Member, 0, len(us))
		for _, u := range us {
			out = append(out, movein.Member{UserID: u.UserID, Name: u.Name, Departments: u.Department})
		}
		return nil
	})
	return out, err
}
