package taxonomy

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"

	"chengguan/internal/apperr"
)

// The CSV columns, in the order Export writes them. A file may order them
// as it likes and use the Chinese headings of columnAliases instead.
var Columns = []string{
	"kind", "code", "major_name", "major_name_en", "name", "name_en", "department",
	"file_condition", "close_condition", "file_limit", "dispatch_limit", "handle_limit", "verify_limit",
	"urgent_handle_limit", "critical_handle_limit", "enabled", "source",
}

// requiredColumns must be present in an imported file.
var requiredColumns = []string{"kind", "code", "major_name", "name", "department",
	"file_limit", "dispatch_limit", "handle_limit", "verify_limit"}

// columnAliases are the Chinese headings a file written by hand in Excel may
// use instead of the codes.
var columnAliases = map[string]string{
	"类型": "kind", "分类": "kind", "代码": "code", "编码": "code", "大类": "major_name", "大类名称": "major_name",
	"大类英文名": "major_name_en", "小类": "name", "名称": "name", "小类名称": "name", "英文名": "name_en", "小类英文名": "name_en",
	"处置部门": "department", "责任部门": "department", "立案条件": "file_condition", "结案条件": "close_condition",
	"立案时限": "file_limit", "派遣时限": "dispatch_limit", "处置时限": "handle_limit", "核查时限": "verify_limit",
	"紧急处置时限": "urgent_handle_limit", "特急处置时限": "critical_handle_limit", "启用": "enabled", "来源": "source",
}

// MaxRows bounds an import: a national catalogue with a city's extensions
// has a few hundred classes.
const MaxRows = 5000

// Row is one data row of an imported file.
type Row struct {
	Line int // 1-based line of the file where the row starts
	// Category holds the row's values; ID, Version and DepartmentID are
	// empty (the Service resolves Department).
	Category Category
	// Department is the department column as written: a unit code or ID.
	Department string
}

// RowError is one problem of an imported file, for the per-row report.
type RowError struct {
	Line   int    `json:"line"`             // 1-based line in the file; 0 for the file as a whole
	Code   string `json:"code,omitempty"`   // the row's class code, when it has one
	Column string `json:"column,omitempty"` // the CSV column at fault
	// Key is the translation key of the problem; Args its arguments.
	Key  string         `json:"key"`
	Args map[string]any `json:"args,omitempty"`
}

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// Decode returns a CSV file's text as UTF-8: UTF-8 with or without a byte
// order mark as it is, anything else read as GB18030 (which contains GBK
// and GB2312 — what Excel in China writes by default). A file that is
// neither is an error.
func Decode(data []byte) ([]byte, error) {
	if bytes.HasPrefix(data, utf8BOM) {
		data = data[len(utf8BOM):]
		if !utf8.Valid(data) {
			return nil, errors.New("file starts with a UTF-8 byte order mark but is not UTF-8")
		}
		return data, nil
	}
	if utf8.Valid(data) {
		return data, nil
	}
	if bytes.HasPrefix(data, []byte{0xFF, 0xFE}) || bytes.HasPrefix(data, []byte{0xFE, 0xFF}) {
		return nil, errors.New("UTF-16 is not supported; save the file as CSV (UTF-8) or CSV (逗号分隔)")
	}
	out, err := simplifiedchinese.GB18030.NewDecoder().Bytes(data)
	if err != nil || bytes.ContainsRune(out, utf8.RuneError) {
		return nil, errors.New("file is neither UTF-8 nor GB18030/GBK")
	}
	return out, nil
}

// ParseCSV reads a catalogue file. It returns the rows it could read and
// one RowError per problem of a row (a row may have several). A file that
// cannot be read at all — an unknown encoding, no header, a missing
// required column, too many rows — is an apperr.Invalid error.
func ParseCSV(data []byte) ([]Row, []RowError, error) {
	text, err := Decode(data)
	if err != nil {
		return nil, nil, apperr.Wrap(apperr.Invalid, "taxonomy.csv_encoding", err)
	}
	r := csv.NewReader(bytes.NewReader(text))
	r.FieldsPerRecord = -1
	r.ReuseRecord = false
	header, err := r.Read()
	if err != nil {
		return nil, nil, apperr.Wrap(apperr.Invalid, "taxonomy.csv_header", err)
	}
	col := map[string]int{}
	for i, h := range header {
		h = strings.TrimSpace(h)
		if a, ok := columnAliases[h]; ok {
			h = a
		}
		h = strings.ToLower(h)
		if _, dup := col[h]; dup {
			return nil, nil, apperr.New(apperr.Invalid, "taxonomy.csv_column_twice").With(map[string]any{"Column": h})
		}
		col[h] = i
	}
	for _, c := range requiredColumns {
		if _, ok := col[c]; !ok {
			return nil, nil, apperr.New(apperr.Invalid, "taxonomy.csv_column_missing").With(map[string]any{"Column": c})
		}
	}
	var rows []Row
	var problems []RowError
	seen := map[string]int{}
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			line := 0
			if errors.As(err, &pe) {
				line = pe.StartLine
			}
			return nil, nil, apperr.Wrap(apperr.Invalid, "taxonomy.csv_syntax", err).With(map[string]any{"Line": line})
		}
		line, _ := r.FieldPos(0)
		if blank(rec) {
			continue
		}
		if len(rows) >= MaxRows {
			return nil, nil, apperr.New(apperr.Invalid, "taxonomy.csv_too_many").With(map[string]any{"Max": MaxRows})
		}
		get := func(name string) string {
			i, ok := col[name]
			if !ok || i >= len(rec) {
				return ""
			}
			return strings.TrimSpace(rec[i])
		}
		row, errs := parseRow(line, get)
		problems = append(problems, errs...)
		if ValidCode(row.Category.Code) && row.Category.Kind != "" {
			k := row.Category.Key()
			if first, dup := seen[k]; dup {
				problems = append(problems, RowError{Line: line, Code: row.Category.Code, Column: "code",
					Key: "taxonomy.csv_duplicate", Args: map[string]any{"Line": first}})
			} else {
				seen[k] = line
			}
		}
		rows = append(rows, row)
	}
	return rows, problems, nil
}

func blank(rec []string) bool {
	for _, f := range rec {
		if strings.TrimSpace(f) != "" {
			return false
		}
	}
	return true
}

// parseRow reads the cells of one row; problems of form are reported here,
// problems of content by Validate (through the Service).
func parseRow(line int, get func(string) string) (Row, []RowError) {
	var errs []RowError
	code := get("code")
	bad := func(column, key string) {
		errs = append(errs, RowError{Line: line, Code: code, Column: column, Key: key})
	}
	c := Category{Code: code, MajorName: get("major_name"), MajorNameEN: get("major_name_en"),
		Name: get("name"), NameEN: get("name_en"), FileCondition: get("file_condition"), CloseCondition: get("close_condition")}
	if k, ok := ParseKind(get("kind")); ok {
		c.Kind = k
	} else {
		bad("kind", "taxonomy.kind_invalid")
	}
	c.Source = City
	if s := get("source"); s != "" {
		if src, ok := ParseSource(s); ok {
			c.Source = src
		} else {
			bad("source", "taxonomy.source_invalid")
		}
	}
	c.Enabled = true
	if s := get("enabled"); s != "" {
		switch strings.ToLower(s) {
		case "true", "1", "yes", "是", "启用":
			c.Enabled = true
		case "false", "0", "no", "否", "停用":
			c.Enabled = false
		default:
			bad("enabled", "taxonomy.enabled_invalid")
		}
	}
	limits := []struct {
		column string
		into   *Limit
	}{{"file_limit", &c.FileLimit}, {"dispatch_limit", &c.DispatchLimit}, {"handle_limit", &c.HandleLimit}, {"verify_limit", &c.VerifyLimit}}
	for _, l := range limits {
		v, err := ParseLimit(get(l.column))
		if err != nil {
			bad(l.column, "taxonomy.limit_format")
			continue
		}
		*l.into = v
	}
	for _, u := range []Urgency{Urgent, Critical} {
		column := string(u) + "_handle_limit"
		v, err := ParseLimit(get(column))
		switch {
		case err != nil:
			bad(column, "taxonomy.limit_format")
		case !v.IsZero():
			c.Urgencies = append(c.Urgencies, UrgencyLimit{Level: u, Handle: v})
		}
	}
	return Row{Line: line, Category: c, Department: get("department")}, errs
}

// WriteCSV writes categories in the import format: UTF-8 with a byte order
// mark (so that Excel opens it as UTF-8), the header of Columns, one row per
// category, department by unit code (by ID when the code is not known).
// What it writes, ParseCSV reads back to the same catalogue.
func WriteCSV(w io.Writer, cats []Category) error {
	if _, err := w.Write(utf8BOM); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	if err := cw.Write(Columns); err != nil {
		return err
	}
	for _, c := range cats {
		dept := c.DepartmentCode
		if dept == "" {
			dept = c.DepartmentID
		}
		var urgent, critical Limit
		for _, u := range c.Urgencies {
			switch u.Level {
			case Urgent:
				urgent = u.Handle
			case Critical:
				critical = u.Handle
			}
		}
		if err := cw.Write([]string{string(c.Kind), c.Code, c.MajorName, c.MajorNameEN, c.Name, c.NameEN, dept,
			c.FileCondition, c.CloseCondition, c.FileLimit.String(), c.DispatchLimit.String(), c.HandleLimit.String(),
			c.VerifyLimit.String(), urgent.String(), critical.String(), fmt.Sprint(c.Enabled), string(c.Source)}); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}
