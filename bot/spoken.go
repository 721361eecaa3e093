package bot

import (
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Spoken dates: a keeper promising a delivery types it as people say it
// (后天18点, 明天下午3点半, 下周一 9点, 周五), and the bot writes it as the
// date and time the service reads (2006-01-02 15:04), counted from today
// in the configured zone. What is not such a phrase is left as typed for
// the service to read (2026-11-30 18:00) or refuse.

var weekdayZh = map[string]time.Weekday{
	"一": time.Monday, "二": time.Tuesday, "三": time.Wednesday, "四": time.Thursday, "五": time.Friday,
	"六": time.Saturday, "日": time.Sunday, "天": time.Sunday, "末": time.Saturday,
}

var (
	// day: 今天/明天/后天/大后天, 下周X/下星期X/下礼拜X, 周X/星期X/礼拜X,
	// M月D日/号, D号/日.
	spokenDay = regexp.MustCompile(`^(今天|今日|明天|明日|后天|大后天|(下下|下)?(?:周|星期|礼拜)([一二三四五六日天末])|(?:(\d{1,2})月)?(\d{1,2})[日号])`)
	// clock: 上午/下午/晚上/中午 N点[半|M分] or N:MM, after the day.
	spokenClock = regexp.MustCompile(`^(上午|早上|中午|下午|傍晚|晚上)?(\d{1,2})(?:[:：](\d{2})|点(半|(\d{1,2})分?)?)$`)
)

// spokenTime turns a spoken date (and time) into "2006-01-02 15:04" (or
// "2006-01-02" without a time), counted from now in loc. ok is false for
// anything else.
func spokenTime(s string, now time.Time, loc *time.Location) (string, bool) {
	s = strings.ReplaceAll(strings.TrimSpace(s), " ", "")
	m := spokenDay.FindStringSubmatch(s)
	if m == nil {
		return "", false
	}
	today := now.In(loc)
	day := time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, loc)
	switch {
	case m[1] == "今天" || m[1] == "今日":
	case m[1] == "明天" || m[1] == "明日":
		day = day.AddDate(0, 0, 1)
	case m[1] == "后天":
		day = day.AddDate(0, 0, 2)
	case m[1] == "大后天":
		day = day.AddDate(0, 0, 3)
	case m[3] != "":
		want := weekdayZh[m[3]]
		// Monday-first weeks, as Chinese calendars count them.
		mon := day.AddDate(0, 0, -((int(day.Weekday()) + 6) % 7))
		offset := (int(want) + 6) % 7
		switch m[2] {
		case "下":
			day = mon.AddDate(0, 0, 7+offset)
		case "下下":
			day = mon.AddDate(0, 0, 14+offset)
		default:
			// 周五 is this week's Friday, or next week's once it is past.
			day = mon.AddDate(0, 0, offset)
			if day.Before(time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, loc)) {
				day = day.AddDate(0, 0, 7)
			}
		}
	default:
		d, _ := strconv.Atoi(m[5])
		month := today.Month()
		if m[4] != "" {
			mm, _ := strconv.Atoi(m[4])
			month = time.Month(mm)
		}
		if month < 1 || month > 12 || d < 1 || d > 31 {
			return "", false
		}
		cand := time.Date(today.Year(), month, d, 0, 0, 0, 0, loc)
		if cand.Day() != d {
			return "", false // 2月30日
		}
		if cand.Before(day) {
			// A day already past is next month's (12号 on the 20th), or
			// next year's for a month already past.
			if m[4] != "" {
				cand = time.Date(today.Year()+1, month, d, 0, 0, 0, 0, loc)
			} else {
				cand = time.Date(today.Year(), month+1, d, 0, 0, 0, 0, loc)
				if cand.Day() != d {
					return "", false
				}
			}
		}
		day = cand
	}
	rest := s[len(m[0]):]
	if rest == "" {
		return day.Format("2006-01-02"), true
	}
	c := spokenClock.FindStringSubmatch(rest)
	if c == nil {
		return "", false
	}
	h, _ := strconv.Atoi(c[2])
	min := 0
	switch {
	case c[3] != "":
		min, _ = strconv.Atoi(c[3])
	case c[4] == "半":
		min = 30
	case c[5] != "":
		min, _ = strconv.Atoi(c[5])
	}
	switch c[1] {
	case "下午", "傍晚", "晚上":
		if h < 12 {
			h += 12
		}
	case "中午":
		if h < 6 {
			h += 12
		}
	}
	if h > 23 || min > 59 {
		return "", false
	}
	return day.Add(time.Duration(h)*time.Hour + time.Duration(min)*time.Minute).Format("2006-01-02 15:04"), true
}

// exampleTime is the promise the bot's hints show: three days from today
// at 18:00, so an example copied as it is is a date still ahead.
func exampleTime(now time.Time, loc *time.Location) string {
	d := now.In(loc).AddDate(0, 0, 3)
	return time.Date(d.Year(), d.Month(), d.Day(), 18, 0, 0, 0, loc).Format("2006-01-02 15:04")
}
