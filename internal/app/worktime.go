package app

import (
	"log/slog"
	"time"

	"gorm.io/gorm"

	"orderhub/config"
	"orderhub/service"
	"orderhub/service/worktime"
)

// workHours builds the working-time calendar every clock counts in, and
// says at start what it knows: the years its statutory holiday data
// covers, and that a year past it counts the configured weekdays alone.
func workHours(cfg config.Config, db *gorm.DB, now time.Time, log *slog.Logger) *service.Hours {
	cal := worktime.New(cfg.WorkTime, cfg.Location())
	w := cfg.WorkTime
	year := now.In(cfg.Location()).Year()
	switch {
	case !w.Holidays:
		log.Info("work time: shifts and weekdays only (statutory holidays off)", "shifts", w.Shifts, "weekdays", w.Weekdays)
	case cal.Covers(year) && cal.Covers(year+1):
		log.Info("work time: statutory holidays and make-up workdays known", "years", []int{year, year + 1}, "shifts", w.Shifts, "weekdays", w.Weekdays)
	default:
		var missing []int
		for _, y := range []int{year, year + 1} {
			if !cal.Covers(y) {
				missing = append(missing, y)
			}
		}
		log.Warn("work time: no statutory holiday data for these years; they count the configured weekdays only (no holidays, no make-up days) until github.com/6tail/lunar-go is updated",
			"years", missing, "weekdays", w.Weekdays)
	}
	return service.NewHours(cal, db)
}
