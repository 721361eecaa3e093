package config

import (
	"errors"
	"fmt"
	"time"
)

// Dashboard tunes the supervisors' war room.
type Dashboard struct {
	// Roles may open the board by WeCom OAuth; "leads" stands for every
	// role ending in _lead. The admin token always may.
	Roles []string `yaml:"roles" env:"ROLES"`
	// AtRisk is the share of a stage's SLA after which an order shows as
	// at risk (0 < at_risk < 1).
	AtRisk float64 `yaml:"at_risk" env:"AT_RISK"`
	// OTIFWindow is how long after delivery a missing-items or wrong-item
	// report still makes an order not "in full".
	OTIFWindow Duration `yaml:"otif_window" env:"OTIF_WINDOW"`
	// DigestAt is the local time ("08:30") the daily digest goes out;
	// empty: no digest.
	DigestAt string `yaml:"digest_at" env:"DIGEST_AT"`
	// DigestRoles receive the daily digest.
	DigestRoles []string `yaml:"digest_roles" env:"DIGEST_ROLES"`
	// SessionTTL is how long a board login lasts without being used.
	SessionTTL Duration `yaml:"session_ttl" env:"SESSION_TTL"`
	// RemarkTerms are the known requirements buyers write in remarks,
	// counted whole; empty: the built-in list.
	RemarkTerms []string `yaml:"remark_terms" env:"REMARK_TERMS"`
}

func (c *Config) validateDashboard() error {
	d := c.Dashboard
	known := map[string]bool{"leads": true}
	for _, r := range c.Roles {
		known[r] = true
	}
	for i, r := range d.Roles {
		if !known[r] {
			return fmt.Errorf("config: dashboard.roles[%d] (ORDERHUB_DASHBOARD_ROLES): unknown role %q", i, r)
		}
	}
	for i, r := range d.DigestRoles {
		if !known[r] {
			return fmt.Errorf("config: dashboard.digest_roles[%d] (ORDERHUB_DASHBOARD_DIGEST_ROLES): unknown role %q", i, r)
		}
	}
	switch {
	case d.AtRisk <= 0 || d.AtRisk >= 1:
		return errors.New("config: dashboard.at_risk (ORDERHUB_DASHBOARD_AT_RISK): must be between 0 and 1, e.g. 0.75")
	case d.OTIFWindow.D() < time.Hour:
		return errors.New("config: dashboard.otif_window (ORDERHUB_DASHBOARD_OTIF_WINDOW): must be at least 1h")
	case d.SessionTTL.D() < time.Minute:
		return errors.New("config: dashboard.session_ttl (ORDERHUB_DASHBOARD_SESSION_TTL): must be at least 1m")
	}
	if d.DigestAt != "" {
		if _, err := time.Parse("15:04", d.DigestAt); err != nil {
			return fmt.Errorf("config: dashboard.digest_at (ORDERHUB_DASHBOARD_DIGEST_AT): %q is not a local time like 08:30", d.DigestAt)
		}
	}
	return nil
}
