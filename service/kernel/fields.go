package kernel

import (
	"strings"
	"unicode/utf8"
)

// CheckText refuses a text field that is empty while required (only
// spaces count as empty) or longer than max characters, naming field.
func CheckText(field, v string, max int, required bool) error {
	if required && strings.TrimSpace(v) == "" {
		return Invalid(field, CodeRequired, "必填")
	}
	if utf8.RuneCountInString(v) > max {
		return Invalid(field, CodeTooLong, "超过 %d 个字", max)
	}
	return nil
}

// MaxPage is the last page a list serves: offsets stay far from
// overflowing, and no client pages that far on purpose.
const MaxPage = 100000

// PageBounds is the page and page size a list serves for the ones asked:
// page 1 to MaxPage, 1 to 200 rows a page, 50 when the size is out of range.
func PageBounds(page, size int) (int, int) {
	if page < 1 {
		page = 1
	}
	if page > MaxPage {
		page = MaxPage
	}
	if size < 1 || size > 200 {
		size = 50
	}
	return page, size
}

// EscapeLike escapes s for a LIKE pattern (backslash the escape, as both
// databases read it by default), so a typed "%" or "_" matches itself.
func EscapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}
