package config

import (
	"errors"
	"fmt"
	"strings"
)

// Practice is practice mode (练习): a trainee works copies of past orders
// in a sandbox database of their own, on the same services.
type Practice struct {
	// MySQLDSN names the MySQL/MariaDB server the sandboxes live on and
	// the prefix of their names: trainee X's sandbox is the database
	// "<dbname>_<12 hex of sha256(X)>". Empty: the real server (mysql_dsn)
	// with the prefix "<real dbname>_practice". Unused in embedded mode,
	// where each sandbox is a SQLite file under <data_dir>/practice/.
	// Every instance must see the same value: a trainee's sandbox is
	// found by its name.
	MySQLDSN string `yaml:"mysql_dsn" env:"MYSQL_DSN"`
	// MentorRoles may see every trainee's progress (练习进度); "leads"
	// stands for every role that is some role's lead (leads).
	MentorRoles []string `yaml:"mentor_roles" env:"MENTOR_ROLES" envSeparator:","`
	// Orders is how many past orders a sandbox is given.
	Orders int `yaml:"orders" env:"ORDERS"`
	// KeepDays removes a sandbox nobody has used for this many days (its
	// trainee's last message there, or 练习 / 退出练习); 0 keeps every
	// sandbox until a mentor removes it.
	KeepDays int `yaml:"keep_days" env:"KEEP_DAYS"`
}

// DefaultPractice: leads and supervisors mentor; ten orders, as the
// business trains today; a sandbox unused for a month is removed (a
// trainee is trained within weeks; a mentor has had time to look).
func DefaultPractice() Practice {
	return Practice{MentorRoles: []string{"leads", "supervisor", "director"}, Orders: 10, KeepDays: 30}
}

func (c *Config) validatePractice() error {
	p := c.Practice
	known := map[string]bool{"leads": true}
	for _, r := range c.Roles {
		known[r] = true
	}
	for i, r := range p.MentorRoles {
		if !known[r] {
			return fmt.Errorf("config: practice.mentor_roles[%d] (ORDERHUB_PRACTICE_MENTOR_ROLES): unknown role %q", i, r)
		}
	}
	if p.Orders < 1 || p.Orders > 50 {
		return errors.New("config: practice.orders (ORDERHUB_PRACTICE_ORDERS): must be between 1 and 50")
	}
	if p.KeepDays < 0 || p.KeepDays > 3650 {
		return errors.New("config: practice.keep_days (ORDERHUB_PRACTICE_KEEP_DAYS): must be between 0 (keep forever) and 3650")
	}
	if p.MySQLDSN != "" && c.Embedded() {
		return errors.New("config: practice.mysql_dsn (ORDERHUB_PRACTICE_MYSQL_DSN): needs mysql_dsn; embedded practice uses SQLite files in the data dir")
	}
	if p.MySQLDSN != "" && !strings.Contains(p.MySQLDSN, "parseTime=") {
		return errors.New("config: practice.mysql_dsn (ORDERHUB_PRACTICE_MYSQL_DSN): must set parseTime=True")
	}
	return nil
}

// PracticeMentor reports whether roles include a mentor role
// (practice.mentor_roles; "leads" is every role that is some role's lead
// in leads).
func (c *Config) PracticeMentor(roles []string) bool {
	for _, r := range roles {
		for _, m := range c.Practice.MentorRoles {
			if r == m {
				return true
			}
			if m == "leads" {
				for _, l := range c.Leads {
					if r == l {
						return true
					}
				}
			}
		}
	}
	return false
}
