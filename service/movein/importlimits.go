package movein

import (
	"fmt"

	"orderhub/service/kernel"
)

// The limits of a spreadsheet import (DESIGN.md invariant 12): nothing a
// user uploads makes the server allocate without bound. Each is checked
// while the file is read, before the work it would cost: the upload's
// size while it streams to disk, a workbook's unpacked size and its
// longest cell before excelize reads it, a CSV record's size as the CSV
// reader pulls it, the rows as they are counted, and the problems as
// they are listed. docs/limits.md states them.
const (
	// MaxImportBytes caps an upload: a 10,000-row workbook is a few
	// hundred kilobytes.
	MaxImportBytes = 32 << 20
	// MaxImportUnzipped caps what an .xlsx unpacks to, all parts together.
	MaxImportUnzipped = 128 << 20
	// MaxImportRows caps the data rows of one file (the header not
	// counted); a larger catalogue comes in several files, which is the
	// same as one since imports upsert by code.
	MaxImportRows = 100_000
	// MaxImportCell caps one cell, in bytes; the longest column
	// (an address, 255 characters) is at most 1 KiB.
	MaxImportCell = 8 << 10
	// MaxImportRecord caps one CSV record, all its cells together.
	MaxImportRecord = 256 << 10
	// MaxImportErrors caps the problems an import refusal lists; the rest
	// are counted (InvalidRowsError.More).
	MaxImportErrors = 100
)

// TooLargeError refuses a file past one of the import limits; nothing was
// written. Edges answer it 413.
type TooLargeError struct {
	code    string
	Row     int // the spreadsheet row (header = 1); 0: the file as a whole
	Message string
}

// FileTooLarge refuses a whole file: an upload or a workbook past its size.
func FileTooLarge(format string, args ...any) *TooLargeError {
	return &TooLargeError{code: kernel.CodeFileTooLarge, Message: fmt.Sprintf(format, args...)}
}

// CellTooLarge refuses a file with a cell (or a CSV record) past
// MaxImportCell (MaxImportRecord) at row; row 0 when the edge cannot tell.
func CellTooLarge(row int) *TooLargeError {
	msg := fmt.Sprintf("有单元格超过 %d KiB，文件未导入：请检查是否粘贴了整段文字或图片", MaxImportCell>>10)
	if row > 0 {
		msg = fmt.Sprintf("第 %d 行有单元格超过 %d KiB，文件未导入：请检查这一行", row, MaxImportCell>>10)
	}
	return &TooLargeError{code: kernel.CodeCellTooLarge, Row: row, Message: msg}
}

func tooManyRows() *TooLargeError {
	return &TooLargeError{code: kernel.CodeTooManyRows, Row: MaxImportRows + 2,
		Message: fmt.Sprintf("一个文件最多 %d 行数据（不算表头），文件未导入：请拆成几个文件分别导入（按编码更新，分开导入和一次导入结果一样）", MaxImportRows)}
}

func (e *TooLargeError) Error() string { return e.Message }
func (e *TooLargeError) Unwrap() error { return kernel.ErrInvalid }
func (e *TooLargeError) Code() string  { return e.code }

// EncodingError refuses a CSV file whose text is not one encoding from
// start to end; Row is the line where it stops being it.
type EncodingError struct {
	Row     int
	Message string
}

func (e *EncodingError) Error() string { return e.Message }
func (e *EncodingError) Unwrap() error { return kernel.ErrInvalid }
func (e *EncodingError) Code() string  { return kernel.CodeBadEncoding }
