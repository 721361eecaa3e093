package web

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"
)

// sheet reads an uploaded spreadsheet row by row (service.Sheet): .xlsx
// through excelize's row iterator, which unpacks a large worksheet to a
// temporary file instead of memory, or CSV in UTF-8 (with or without BOM)
// or GB18030, which is what Excel on a Chinese Windows saves.
type sheet struct {
	next  func() ([]string, error)
	close func() error
}

func (s *sheet) Next() ([]string, error) { return s.next() }
func (s *sheet) Close() error            { return s.close() }

// errNotSpreadsheet: the upload is neither .xlsx nor CSV text.
var errNotSpreadsheet = errors.New("the file is neither an .xlsx workbook nor a CSV file")

// openSheet opens the file at path, an upload named name.
func openSheet(path, name string) (*sheet, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	head := make([]byte, 64<<10)
	n, _ := io.ReadFull(f, head)
	head = head[:n]
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		f.Close()
		return nil, err
	}
	lower := strings.ToLower(name)
	if bytes.HasPrefix(head, []byte("PK\x03\x04")) {
		f.Close()
		if strings.HasSuffix(lower, ".xls") {
			return nil, errors.New("old .xls workbooks cannot be read: save it as .xlsx or CSV")
		}
		return openXLSX(path)
	}
	if bytes.HasPrefix(head, []byte{0xD0, 0xCF, 0x11, 0xE0}) {
		f.Close()
		return nil, errors.New("old .xls workbooks cannot be read: save it as .xlsx or CSV")
	}
	if bytes.IndexByte(head, 0) >= 0 {
		f.Close()
		return nil, errNotSpreadsheet
	}
	var r io.Reader = bufio.NewReader(f)
	head = bytes.TrimPrefix(head, []byte("\xEF\xBB\xBF"))
	if !utf8.Valid(trimPartialRune(head)) {
		r = simplifiedchinese.GB18030.NewDecoder().Reader(r)
	}
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	cr.ReuseRecord = false
	return &sheet{next: func() ([]string, error) {
		rec, err := cr.Read()
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return nil, fmt.Errorf("CSV line %d: %v", pe.Line, pe.Err)
		}
		return rec, err
	}, close: f.Close}, nil
}

// trimPartialRune drops a UTF-8 sequence cut off at the end of a sniffed
// prefix, so that it does not look like another encoding.
func trimPartialRune(b []byte) []byte {
	for i := 0; i < 3 && len(b) > 0; i++ {
		r, size := utf8.DecodeLastRune(b)
		if r != utf8.RuneError || size != 1 {
			return b
		}
		b = b[:len(b)-1]
	}
	return b
}

func openXLSX(path string) (*sheet, error) {
	f, err := excelize.OpenFile(path, excelize.Options{UnzipSizeLimit: 512 << 20, UnzipXMLSizeLimit: 8 << 20})
	if err != nil {
		return nil, fmt.Errorf("cannot open the workbook: %w", err)
	}
	names := f.GetSheetList()
	if len(names) == 0 {
		f.Close()
		return nil, errors.New("the workbook has no sheet")
	}
	rows, err := f.Rows(names[0])
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("cannot read sheet %s: %w", names[0], err)
	}
	return &sheet{
		next: func() ([]string, error) {
			if !rows.Next() {
				if err := rows.Error(); err != nil {
					return nil, err
				}
				return nil, io.EOF
			}
			return rows.Columns()
		},
		close: func() error {
			rows.Close()
			return f.Close()
		},
	}, nil
}
