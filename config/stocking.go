package config

import "errors"

// Stocking tunes the stocking lists (月度备货清单) sent to customers before
// their purchase window (service/stocking.go).
type Stocking struct {
	// LeadDays: a list is sent this many working days before its
	// window's first day (the work_time calendar: weekdays, statutory
	// holidays and their make-up days).
	LeadDays int `yaml:"lead_days" env:"LEAD_DAYS"`
	// HistoryDays is how far back orders are read: the purchase calendar
	// and the past windows whose quantities the list proposes.
	HistoryDays int `yaml:"history_days" env:"HISTORY_DAYS"`
	// SalesRole is who is told in WeCom when the customer has no sales or
	// service person of their own (the one who confirmed most of their
	// recent orders).
	SalesRole string `yaml:"sales_role" env:"SALES_ROLE"`
}

// DefaultStocking: three working days ahead, as the business did by hand;
// half a year of history.
func DefaultStocking() Stocking {
	return Stocking{LeadDays: 3, HistoryDays: 180, SalesRole: "customer_service"}
}

func (c *Config) validateStocking() error {
	s := c.Stocking
	switch {
	case s.LeadDays < 1 || s.LeadDays > 20:
		return errors.New("config: stocking.lead_days (ORDERHUB_STOCKING_LEAD_DAYS): must be between 1 and 20")
	case s.HistoryDays < 60 || s.HistoryDays > 366:
		return errors.New("config: stocking.history_days (ORDERHUB_STOCKING_HISTORY_DAYS): must be between 60 and 366")
	case s.SalesRole == "":
		return errors.New("config: stocking.sales_role (ORDERHUB_STOCKING_SALES_ROLE): required")
	}
	return nil
}
