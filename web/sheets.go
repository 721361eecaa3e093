package web

import (
	"archive/zip"
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

	"orderhub/service/movein"
)

// sheet reads an uploaded spreadsheet row by row (movein.Sheet): .xlsx
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
var errNotSpreadsheet = errors.New("文件既不是 .xlsx 工作簿也不是 CSV")

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
			return nil, errors.New("读不了旧的 .xls 工作簿：请另存为 .xlsx 或 CSV")
		}
		return openXLSX(path)
	}
	if bytes.HasPrefix(head, []byte{0xD0, 0xCF, 0x11, 0xE0}) {
		f.Close()
		return nil, errors.New("读不了旧的 .xls 工作簿：请另存为 .xlsx 或 CSV")
	}
	if bytes.IndexByte(head, 0) >= 0 {
		f.Close()
		return nil, errNotSpreadsheet
	}
	gb, err := csvEncoding(f, bytes.HasPrefix(head, []byte("\xEF\xBB\xBF")))
	if err == nil {
		_, err = f.Seek(0, io.SeekStart)
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	var r io.Reader = bufio.NewReader(f)
	if gb {
		r = simplifiedchinese.GB18030.NewDecoder().Reader(r)
	}
	lim := &recordLimit{r: r}
	cr := csv.NewReader(lim)
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	cr.ReuseRecord = false
	records := 0
	return &sheet{next: func() ([]string, error) {
		rec, err := cr.Read()
		records++
		if lim.over {
			return nil, movein.CellTooLarge(records)
		}
		lim.n = 0
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return nil, fmt.Errorf("CSV 第 %d 行：%v", pe.Line, pe.Err)
		}
		return rec, err
	}, close: f.Close}, nil
}

// recordLimit stops the CSV reader inside a record longer than
// movein.MaxImportRecord, before it holds it: n counts what was read
// since the last record ended (plus the CSV reader's read-ahead).
type recordLimit struct {
	r    io.Reader
	n    int
	over bool
}

func (l *recordLimit) Read(p []byte) (int, error) {
	if l.n > movein.MaxImportRecord+8<<10 {
		l.over = true
		return 0, errRecordTooLarge
	}
	n, err := l.r.Read(p)
	l.n += n
	return n, err
}

var errRecordTooLarge = errors.New("a CSV record is over the limit")

// csvEncoding reads a CSV file once, to its end, and decides its
// encoding: UTF-8 when every byte of it is (a BOM says so too), GB18030
// (GBK) when it is not UTF-8 anywhere a line of Chinese is. A file with
// lines of both, or a line that is neither, is refused naming the line:
// decoding it either way would store mojibake.
func csvEncoding(r io.ReadSeeker, bom bool) (gb bool, err error) {
	br := bufio.NewReaderSize(r, 64<<10)
	line := 1
	// A line is UTF-8 Chinese when it is valid UTF-8 and has at least two
	// runes of three bytes (CJK): GBK text is that by accident about once
	// in ten thousand lines.
	firstBad, firstUTF8 := 0, 0
	bad, cjk := false, 0
	endLine := func() {
		if bad && firstBad == 0 {
			firstBad = line
		}
		if !bad && cjk >= 2 && firstUTF8 == 0 {
			firstUTF8 = line
		}
		bad, cjk = false, 0
		line++
	}
	for {
		c, size, err := br.ReadRune()
		if errors.Is(err, io.EOF) {
			endLine()
			line--
			break
		}
		if err != nil {
			return false, err
		}
		switch {
		case c == '\n':
			endLine()
		case c == utf8.RuneError && size == 1:
			bad = true
		case size >= 3:
			cjk++
		}
	}
	switch {
	case firstBad == 0:
		return false, nil
	case bom || firstUTF8 != 0:
		return false, &movein.EncodingError{Row: firstBad, Message: fmt.Sprintf(
			"第 %d 行不是 UTF-8 编码，而文件的其他行是：同一个文件里混了两种编码，导入会变成乱码。请在 Excel 里把整个文件另存为「CSV UTF-8（逗号分隔）」再导入", firstBad)}
	}
	if _, err := r.Seek(0, io.SeekStart); err != nil {
		return false, err
	}
	dr := bufio.NewReaderSize(simplifiedchinese.GB18030.NewDecoder().Reader(bufio.NewReaderSize(r, 64<<10)), 64<<10)
	line = 1
	for {
		c, _, err := dr.ReadRune()
		if errors.Is(err, io.EOF) {
			return true, nil
		}
		if err != nil {
			return false, err
		}
		switch c {
		case '\n':
			line++
		case utf8.RuneError:
			return false, &movein.EncodingError{Row: line, Message: fmt.Sprintf(
				"第 %d 行既不是 UTF-8 也不是 GBK（GB18030）编码，文件未导入：请在 Excel 里另存为「CSV UTF-8（逗号分隔）」或 .xlsx 再导入", line)}
		}
	}
}

func openXLSX(path string) (*sheet, error) {
	if err := checkXLSX(path); err != nil {
		return nil, err
	}
	f, err := excelize.OpenFile(path, excelize.Options{UnzipSizeLimit: movein.MaxImportUnzipped, UnzipXMLSizeLimit: 8 << 20})
	if err != nil {
		return nil, fmt.Errorf("无法打开工作簿：%w", err)
	}
	names := f.GetSheetList()
	if len(names) == 0 {
		f.Close()
		return nil, errors.New("工作簿里没有工作表")
	}
	rows, err := f.Rows(names[0])
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("无法读取工作表 %s：%w", names[0], err)
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

// checkXLSX reads a workbook's parts as a stream before excelize opens
// it, which holds a cell's whole text at once: what the parts unpack to
// must be within movein.MaxImportUnzipped (the zip reader refuses a part
// longer than its header says), and no text between two tags (a cell's
// value, a shared string) longer than movein.MaxImportCell. A 0.5 MB
// workbook can hold a 500 MB cell of one repeated letter.
func checkXLSX(path string) error {
	zr, err := zip.OpenReader(path)
	if err != nil {
		return fmt.Errorf("cannot open the workbook: %w", err)
	}
	defer zr.Close()
	var total uint64
	for _, f := range zr.File {
		total += f.UncompressedSize64
		if total > movein.MaxImportUnzipped {
			return movein.FileTooLarge("工作簿解压后超过 %d MiB，文件未导入：请删掉多余的工作表、图片和格式，或拆成几个文件", movein.MaxImportUnzipped>>20)
		}
	}
	for _, f := range zr.File {
		if !strings.HasSuffix(strings.ToLower(f.Name), ".xml") {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			return fmt.Errorf("cannot open the workbook: %w", err)
		}
		err = checkXMLText(rc)
		rc.Close()
		if err != nil {
			return err
		}
	}
	return nil
}

// maxXMLTag bounds one tag with its attributes (a root element's
// namespaces are a few KiB).
const maxXMLTag = 64 << 10

// checkXMLText streams r and refuses a text run or a tag over the limits.
func checkXMLText(r io.Reader) error {
	br := bufio.NewReaderSize(r, 64<<10)
	inTag, run := false, 0
	for {
		b, err := br.ReadByte()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("cannot read the workbook: %w", err)
		}
		switch {
		case b == '<':
			inTag, run = true, 0
		case b == '>':
			inTag, run = false, 0
		default:
			run++
		}
		if inTag && run > maxXMLTag || !inTag && run > movein.MaxImportCell {
			return movein.CellTooLarge(0)
		}
	}
}
