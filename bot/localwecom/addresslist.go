package localwecom

import (
	"net/http"
	"slices"
	"strconv"
)

// Department is one department of the local directory (通讯录).
type Department struct {
	ID       int      `json:"id"`
	Name     string   `json:"name"`
	ParentID int      `json:"parentid"`
	Order    int      `json:"order"`
	Leaders  []string `json:"department_leader"`
}

// Member is one person of the local directory.
type Member struct {
	UserID      string `json:"userid"`
	Name        string `json:"name"`
	Departments []int  `json:"department"`
}

type directory struct {
	departments []Department
	members     []Member
}

// SetDirectory replaces the directory: what department/list and
// user/simplelist answer from now on, as when the company's admin edits
// its WeCom directory.
func (s *Server) SetDirectory(departments []Department, members []Member) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dir = directory{departments: slices.Clone(departments), members: slices.Clone(members)}
}

// within reports whether department id is root or below it.
func (d directory) within(id, root int) bool {
	for range 32 {
		if id == root {
			return true
		}
		i := slices.IndexFunc(d.departments, func(x Department) bool { return x.ID == id })
		if i < 0 || d.departments[i].ParentID == id {
			return false
		}
		id = d.departments[i].ParentID
	}
	return false
}

func (d directory) has(id int) bool {
	return slices.ContainsFunc(d.departments, func(x Department) bool { return x.ID == id })
}

// departmentList answers cgi-bin/department/list (doc 90208): every
// department, or with ?id= that one and all below it.
func (s *Server) departmentList(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.checkToken(w, r) {
		return
	}
	out := []Department{}
	if v := r.URL.Query().Get("id"); v != "" {
		id, err := strconv.Atoi(v)
		if err != nil || !s.dir.has(id) {
			errcode(w, 60123, "invalid party id")
			return
		}
		for _, d := range s.dir.departments {
			if s.dir.within(d.ID, id) {
				out = append(out, d)
			}
		}
	} else {
		out = append(out, s.dir.departments...)
	}
	for i := range out {
		if out[i].Leaders == nil {
			out[i].Leaders = []string{}
		}
	}
	reply(w, map[string]any{"errcode": 0, "errmsg": "ok", "department": out})
}

// userSimpleList answers cgi-bin/user/simplelist (doc 90200): the members
// of ?department_id=, and of the departments below it with fetch_child=1.
func (s *Server) userSimpleList(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.checkToken(w, r) {
		return
	}
	q := r.URL.Query()
	id, err := strconv.Atoi(q.Get("department_id"))
	if err != nil || !s.dir.has(id) {
		errcode(w, 60123, "invalid party id")
		return
	}
	child := q.Get("fetch_child") == "1"
	out := []Member{}
	for _, m := range s.dir.members {
		for _, d := range m.Departments {
			if d == id || (child && s.dir.within(d, id)) {
				out = append(out, m)
				break
			}
		}
	}
	reply(w, map[string]any{"errcode": 0, "errmsg": "ok", "userlist": out})
}
