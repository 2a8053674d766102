// Package sheet reads and writes the xlsx files of the personnel subsystem:
// it turns an uploaded workbook into rows of text, refusing hostile files
// before they cost memory or time, and writes lists as xlsx. What the rows
// mean, and the all-or-nothing write, belong to personnel.Service.Import;
// keeping excelize here keeps the personnel core on the standard library.
package sheet

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"regexp"
	"strings"

	"github.com/xuri/excelize/v2"
)

// Limits bound what Read accepts.
type Limits struct {
	MaxFileBytes  int64 // the upload itself
	MaxUnzipBytes int64 // all parts, uncompressed (zip bombs)
	MaxXMLBytes   int64 // one worksheet or the shared strings, uncompressed
	MaxRows       int   // data rows with content
	MaxScanRows   int   // rows looked at, blank or not (a million empty rows)
	MaxParts      int   // files inside the zip
}

// DefaultLimits fit a city's roster (tens of thousands of rows) with room.
func DefaultLimits() Limits {
	return Limits{MaxFileBytes: 20 << 20, MaxUnzipBytes: 200 << 20, MaxXMLBytes: 100 << 20,
		MaxRows: 50_000, MaxScanRows: 200_000, MaxParts: 1000}
}

// Problem is why a file is refused as a whole: a translation key of the
// personnel locale with its arguments. It is an error.
type Problem struct {
	Key  string
	Args map[string]any
	Err  error
}

func (p *Problem) Error() string {
	if p.Err != nil {
		return p.Key + ": " + p.Err.Error()
	}
	return p.Key
}

func (p *Problem) Unwrap() error { return p.Err }

func problem(key string, args map[string]any, err error) *Problem {
	return &Problem{Key: key, Args: args, Err: err}
}

// Table is a read sheet: its header and data rows (blank rows dropped),
// each with its row number in the sheet (1-based, as Excel shows).
type Table struct {
	Sheet  string
	Header []string
	Rows   [][]string
	Lines  []int
}

var formulaCell = regexp.MustCompile(`<c r="([A-Z]+[0-9]+)"[^>]*>\s*<f[ >/]`)

// Read reads the sheet named want (or, when there is none, the first sheet)
// of an xlsx file and checks that its first row is header. Before excelize
// opens the file it checks the size, that it is a zip, the parts'
// uncompressed sizes (a zip bomb), and that no cell holds a formula and no
// cells are merged. Rows are then streamed. Any problem refuses the whole file.
func Read(data []byte, want string, header []string, lim Limits) (Table, error) {
	if int64(len(data)) > lim.MaxFileBytes {
		return Table{}, problem("personnel.xlsx_too_large", map[string]any{"Limit": byteSize(lim.MaxFileBytes)}, nil)
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return Table{}, problem("personnel.xlsx_unreadable", map[string]any{"Problem": "not an xlsx (zip) file"}, err)
	}
	if len(zr.File) > lim.MaxParts {
		return Table{}, problem("personnel.xlsx_unreadable", map[string]any{"Problem": "too many parts"}, nil)
	}
	var total uint64
	for _, f := range zr.File {
		total += f.UncompressedSize64
		if total > uint64(lim.MaxUnzipBytes) || f.UncompressedSize64 > uint64(lim.MaxXMLBytes) {
			return Table{}, problem("personnel.xlsx_too_large", map[string]any{"Limit": byteSize(lim.MaxUnzipBytes)}, nil)
		}
	}
	// Formulas: the values of a formula are whatever Excel last computed,
	// or nothing; an import takes plain values only. The declared sizes
	// were checked above; reading stops at them in case they lie.
	for _, f := range zr.File {
		if !strings.HasPrefix(f.Name, "xl/worksheets/") || !strings.HasSuffix(f.Name, ".xml") {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			return Table{}, problem("personnel.xlsx_unreadable", map[string]any{"Problem": err.Error()}, err)
		}
		b, err := io.ReadAll(io.LimitReader(rc, lim.MaxXMLBytes+1))
		rc.Close()
		if err != nil || int64(len(b)) > lim.MaxXMLBytes {
			return Table{}, problem("personnel.xlsx_too_large", map[string]any{"Limit": byteSize(lim.MaxXMLBytes)}, err)
		}
		// Merged cells, found in the XML: excelize's GetMergeCells would
		// load the whole sheet into memory, which streaming avoids.
		if bytes.Contains(b, []byte("<mergeCell ")) {
			return Table{}, problem("personnel.xlsx_merged", nil, nil)
		}
		if m := formulaCell.FindSubmatch(b); m != nil {
			row := strings.TrimLeft(string(m[1]), "ABCDEFGHIJKLMNOPQRSTUVWXYZ")
			return Table{}, problem("personnel.xlsx_formula", map[string]any{"Row": row, "Cell": string(m[1])}, nil)
		}
	}
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{UnzipSizeLimit: lim.MaxUnzipBytes,
		UnzipXMLSizeLimit: lim.MaxXMLBytes, RawCellValue: true})
	if err != nil {
		return Table{}, problem("personnel.xlsx_unreadable", map[string]any{"Problem": err.Error()}, err)
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return Table{}, problem("personnel.xlsx_sheet", map[string]any{"Sheet": want}, nil)
	}
	name := sheets[0]
	for _, s := range sheets {
		if s == want {
			name = s
		}
	}
	rows, err := f.Rows(name)
	if err != nil {
		return Table{}, problem("personnel.xlsx_unreadable", map[string]any{"Problem": err.Error()}, err)
	}
	defer rows.Close()
	t := Table{Sheet: name}
	scanned := 0
	for rows.Next() {
		scanned++
		if scanned > lim.MaxScanRows {
			return Table{}, problem("personnel.xlsx_too_many_rows", map[string]any{"Limit": lim.MaxScanRows}, nil)
		}
		cols, err := rows.Columns()
		if err != nil {
			return Table{}, problem("personnel.xlsx_unreadable", map[string]any{"Problem": err.Error()}, err)
		}
		for i := range cols {
			cols[i] = strings.TrimSpace(cols[i])
		}
		if t.Header == nil {
			if blank(cols) {
				continue
			}
			t.Header = trimTrailing(cols)
			if !sameHeader(t.Header, header) {
				return Table{}, problem("personnel.xlsx_header", map[string]any{"Want": strings.Join(header, "、"), "Sheet": name}, nil)
			}
			continue
		}
		if blank(cols) {
			continue
		}
		if len(t.Rows) >= lim.MaxRows {
			return Table{}, problem("personnel.xlsx_too_many_rows", map[string]any{"Limit": lim.MaxRows}, nil)
		}
		for len(cols) < len(header) {
			cols = append(cols, "")
		}
		t.Rows = append(t.Rows, cols[:len(header)])
		t.Lines = append(t.Lines, scanned)
	}
	if err := rows.Error(); err != nil {
		return Table{}, problem("personnel.xlsx_unreadable", map[string]any{"Problem": err.Error()}, err)
	}
	if t.Header == nil {
		return Table{}, problem("personnel.xlsx_header", map[string]any{"Want": strings.Join(header, "、"), "Sheet": name}, nil)
	}
	if len(t.Rows) == 0 {
		return Table{}, problem("personnel.xlsx_empty", nil, nil)
	}
	return t, nil
}

func blank(cols []string) bool {
	for _, c := range cols {
		if c != "" {
			return false
		}
	}
	return true
}

func trimTrailing(cols []string) []string {
	n := len(cols)
	for n > 0 && cols[n-1] == "" {
		n--
	}
	return cols[:n]
}

func sameHeader(got, want []string) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		if got[i] != want[i] {
			return false
		}
	}
	return true
}

func byteSize(n int64) string { return fmt.Sprintf("%d MB", n>>20) }

// Write makes an xlsx file of one sheet: a header row and the rows, all
// written as text (an ID number never becomes a rounded number). It
// streams, so a list of tens of thousands of rows stays small in memory.
func Write(sheetName string, header []string, rows [][]string) ([]byte, error) {
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", sheetName); err != nil {
		return nil, err
	}
	sw, err := f.NewStreamWriter(sheetName)
	if err != nil {
		return nil, err
	}
	row := func(i int, vals []string) error {
		cells := make([]any, len(vals))
		for j, v := range vals {
			cells[j] = excelize.Cell{Value: v}
		}
		cell, err := excelize.CoordinatesToCellName(1, i)
		if err != nil {
			return err
		}
		return sw.SetRow(cell, cells)
	}
	if err := row(1, header); err != nil {
		return nil, err
	}
	for i, r := range rows {
		if err := row(i+2, r); err != nil {
			return nil, err
		}
	}
	if err := sw.Flush(); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
