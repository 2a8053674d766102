package personnel

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"chengguan/internal/apperr"
	"chengguan/internal/identity"
)

// What an Excel import can bring in, and the header row each sheet must
// have (the file format, in the language of the bureaus that fill it in).
const (
	ImportRoster       = "roster"
	ImportCertificates = "certificates"
	ImportEquipment    = "equipment"
)

// ImportSheet names the sheet each import looks for first.
func ImportSheet(kind string) string {
	switch kind {
	case ImportRoster:
		return "人员名册"
	case ImportCertificates:
		return "执法证"
	case ImportEquipment:
		return "装备"
	}
	return ""
}

// ImportHeader is the header row a sheet of kind must have; false for an
// unknown kind.
func ImportHeader(kind string) ([]string, bool) {
	switch kind {
	case ImportRoster:
		return []string{"姓名", "身份证号", "性别", "编制类型", "岗位", "职务", "职级", "单位编码", "电话", "入职日期"}, true
	case ImportCertificates:
		return []string{"身份证号", "证号", "发证机关", "执法领域", "有效期起", "有效期止", "状态"}, true
	case ImportEquipment:
		return []string{"类型", "编号", "型号", "单位编码", "状况"}, true
	}
	return nil, false
}

// word reads a coded column: the Chinese label, or the code itself.
func word(s string) string {
	s = strings.TrimSpace(s)
	switch s {
	case "男":
		return "male"
	case "女":
		return "female"
	case "行政":
		return string(StaffCivilServant)
	case "参公":
		return string(StaffCivilManaged)
	case "事业":
		return string(StaffInstitution)
	case "协管":
		return string(StaffAuxiliary)
	case "劳务派遣":
		return string(StaffDispatched)
	case "执法队员", "队员":
		return string(PostMember)
	case "中队长":
		return string(PostSquadHead)
	case "法制员":
		return string(PostLegalOfficer)
	case "局领导":
		return string(PostLeader)
	case "协管岗位":
		return string(PostAssistant)
	case "其他":
		return string(PostOther)
	case "科级":
		return string(LevelSection)
	case "处级":
		return string(LevelDivision)
	case "厅局级":
		return string(LevelBureau)
	case "有效":
		return string(CertValid)
	case "申领":
		return string(CertApplied)
	case "执法记录仪", "记录仪":
		return string(EquipRecorder)
	case "手持终端", "终端":
		return string(EquipTerminal)
	case "执法车辆", "车辆":
		return string(EquipVehicle)
	case "对讲机":
		return string(EquipRadio)
	case "完好":
		return string(CondGood)
	case "磨损":
		return string(CondWorn)
	case "损坏":
		return string(CondBroken)
	case "遗失":
		return string(CondLost)
	case "报废":
		return string(CondRetired)
	}
	return strings.ToLower(s)
}

// MaxReported bounds the problems an error carries to its caller.
const MaxReported = 500

// RowError is one problem of one row of an import.
type RowError struct {
	Line   int            `json:"line"`   // the row number in the sheet
	Column string         `json:"column"` // the header of the column
	Key    string         `json:"key"`    // translation key
	Args   map[string]any `json:"args,omitempty"`
}

// ImportResult is what an import did or would have done.
type ImportResult struct {
	Kind    string     `json:"kind"`
	Rows    int        `json:"rows"`
	Written int        `json:"written"` // 0 unless every row passed
	Errors  []RowError `json:"errors"`
}

// ParseDay reads a date cell: YYYY-MM-DD, YYYY/M/D, or an Excel serial day
// number (a date-formatted cell read raw; 1 = 1900-01-01, with Excel's
// 1900 leap-year quirk, so day 61 and later count from 1899-12-30).
func ParseDay(s string) (Date, bool) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{"2006-01-02", "2006/1/2", "2006-1-2", "2006.1.2"} {
		if t, err := time.Parse(layout, s); err == nil {
			return Date{Year: t.Year(), Month: t.Month(), Day: t.Day()}, true
		}
	}
	if n, err := strconv.ParseFloat(s, 64); err == nil && n >= 61 && n < 2958466 {
		t := time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC).AddDate(0, 0, int(n))
		return Date{Year: t.Year(), Month: t.Month(), Day: t.Day()}, true
	}
	return Date{}, false
}

// Import validates every row of an Excel sheet and, only when all pass,
// writes them all in one transaction with a ledger record each: all or
// nothing, never silently partial. lines are the rows' numbers in the sheet.
// A refused import is Invalid ("personnel.import_invalid") and its result
// lists every problem by row.
func (s *Service) Import(ctx context.Context, actor *identity.Actor, kind string, lines []int, rows [][]string) (ImportResult, error) {
	res := ImportResult{Kind: kind, Rows: len(rows), Errors: []RowError{}}
	if _, ok := ImportHeader(kind); !ok {
		return res, apperr.InvalidFields(apperr.Field("kind", "personnel.import_kind_invalid"))
	}
	scope, d := identity.ScopeFor(actor, identity.ActPersonnelManage)
	if err := d.Err(); err != nil {
		return res, err
	}
	units, err := s.store.UnitCodes(ctx)
	if err != nil {
		return res, err
	}
	at := s.at()
	var ch Change
	switch kind {
	case ImportRoster:
		err = s.importRoster(ctx, actor, scope, units, at, lines, rows, &res, &ch)
	case ImportCertificates:
		err = s.importCertificates(ctx, actor, scope, at, lines, rows, &res, &ch)
	case ImportEquipment:
		err = s.importEquipment(ctx, actor, scope, units, at, lines, rows, &res, &ch)
	}
	if err != nil {
		return res, err
	}
	if len(res.Errors) > 0 {
		e := apperr.New(apperr.Invalid, "personnel.import_invalid").With(map[string]any{"Count": countLines(res.Errors)})
		// The report: every problem as a field "rows[line].column" (the
		// first MaxReported; the result holds them all).
		for i, re := range res.Errors {
			if i == MaxReported {
				break
			}
			e.Fields = append(e.Fields, apperr.FieldError{Field: "rows[" + strconv.Itoa(re.Line) + "]." + re.Column, Key: re.Key, Args: re.Args})
		}
		return res, e
	}
	if err := s.store.Apply(ctx, ch); err != nil {
		return res, err
	}
	res.Written = len(rows)
	return res, nil
}

func countLines(errs []RowError) int {
	seen := map[int]bool{}
	for _, e := range errs {
		seen[e.Line] = true
	}
	return len(seen)
}

// fieldErrors turns a service's Invalid error into row errors, naming the
// column of each field.
func fieldErrors(line int, err error, columns map[string]string) []RowError {
	e := apperr.As(err)
	if e == nil || e.Code != apperr.Invalid || len(e.Fields) == 0 {
		key := "error.internal"
		if e != nil && e.Key != "" {
			key = e.Key
		}
		return []RowError{{Line: line, Key: key}}
	}
	var out []RowError
	for _, f := range e.Fields {
		out = append(out, RowError{Line: line, Column: columns[f.Field], Key: f.Key})
	}
	return out
}

func (s *Service) importRoster(ctx context.Context, actor *identity.Actor, scope identity.Scope, units map[string][2]string,
	at time.Time, lines []int, rows [][]string, res *ImportResult, ch *Change) error {
	existing, err := s.idNumbers(ctx)
	if err != nil {
		return err
	}
	cols := map[string]string{"name": "姓名", "id_number": "身份证号", "gender": "性别", "staff_type": "编制类型", "post": "岗位",
		"level": "职级", "unit_id": "单位编码", "phone": "电话", "hired_on": "入职日期"}
	seen := map[string]int{}
	for i, r := range rows {
		line := lines[i]
		p := Person{Name: r[0], IDNumber: r[1], Gender: word(r[2]), StaffType: StaffType(word(r[3])), Post: Post(word(r[4])),
			Rank: strings.TrimSpace(r[5]), Level: CadreLevel(word(r[6])), Phone: strings.TrimSpace(r[8])}
		var bad []RowError
		u, ok := units[strings.TrimSpace(r[7])]
		if !ok {
			bad = append(bad, RowError{Line: line, Column: "单位编码", Key: "personnel.unit_unknown"})
		} else if !scope.Contains(u[1]) {
			bad = append(bad, RowError{Line: line, Column: "单位编码", Key: "perm.outside_jurisdiction"})
		}
		p.UnitID, p.UnitPath = u[0], u[1]
		if strings.TrimSpace(r[9]) != "" {
			if p.HiredOn, ok = ParseDay(r[9]); !ok {
				bad = append(bad, RowError{Line: line, Column: "入职日期", Key: "personnel.date_invalid"})
			}
		}
		if err := checkPerson(&p); err != nil {
			bad = append(bad, fieldErrors(line, err, cols)...)
		} else {
			if _, ok := existing[p.IDNumber]; ok {
				bad = append(bad, RowError{Line: line, Column: "身份证号", Key: "personnel.id_on_roster"})
			}
			if first, ok := seen[p.IDNumber]; ok {
				bad = append(bad, RowError{Line: line, Column: "身份证号", Key: "personnel.id_twice", Args: map[string]any{"Row": first}})
			}
			seen[p.IDNumber] = line
		}
		if len(bad) > 0 || len(res.Errors) > 0 {
			// Once any row failed nothing is written: only check the rest.
			res.Errors = append(res.Errors, bad...)
			continue
		}
		p.ID, p.Version, p.UpdatedAt = s.newID(), 1, at
		row, err := personRow(p, "", "")
		if err != nil {
			return err
		}
		rec, err := s.record(actor, "import", p.UnitPath, KindPerson, p.ID, nil, p, at)
		if err != nil {
			return err
		}
		ch.People = append(ch.People, row)
		ch.Ledger = append(ch.Ledger, rec)
	}
	return nil
}

// idNumbers maps the ID number of everyone on the roster to their row.
func (s *Service) idNumbers(ctx context.Context) (map[string]Row, error) {
	rows, _, err := s.store.People(ctx, Filter{All: true})
	if err != nil {
		return nil, err
	}
	out := make(map[string]Row, len(rows))
	for _, r := range rows {
		out[r.Person.IDNumber] = r
	}
	return out, nil
}

func (s *Service) importCertificates(ctx context.Context, actor *identity.Actor, scope identity.Scope, at time.Time,
	lines []int, rows [][]string, res *ImportResult, ch *Change) error {
	people, err := s.idNumbers(ctx)
	if err != nil {
		return err
	}
	docs, err := s.store.DocsIn(ctx, KindCertificate, true, nil)
	if err != nil {
		return err
	}
	all, err := decodeDocs[Certificate](docs)
	if err != nil {
		return err
	}
	byPerson := map[string][]Certificate{}
	numbers := map[string]bool{}
	for _, c := range all {
		byPerson[c.PersonID] = append(byPerson[c.PersonID], c)
		numbers[c.Number] = true
	}
	touched := map[string]Row{}
	for i, r := range rows {
		line := lines[i]
		var bad []RowError
		id, _, idErr := NormalizeID(r[0])
		p, ok := people[id]
		switch {
		case idErr != nil:
			bad = append(bad, RowError{Line: line, Column: "身份证号", Key: idErr.Error()})
		case !ok:
			bad = append(bad, RowError{Line: line, Column: "身份证号", Key: "personnel.person_unknown"})
		case !scope.Contains(p.Person.UnitPath):
			bad = append(bad, RowError{Line: line, Column: "身份证号", Key: "perm.outside_jurisdiction"})
		case p.Person.StaffType.Auxiliary():
			bad = append(bad, RowError{Line: line, Column: "身份证号", Key: "personnel.auxiliary_no_certificate"})
		}
		c := Certificate{PersonID: p.Person.ID, Number: strings.TrimSpace(r[1]), Issuer: strings.TrimSpace(r[2]),
			Field: strings.TrimSpace(r[3]), Status: CertStatus(word(r[6]))}
		if c.Status == "" {
			c.Status = CertValid
		}
		if c.Status != CertValid && c.Status != CertApplied {
			bad = append(bad, RowError{Line: line, Column: "状态", Key: "personnel.cert_status_invalid"})
		}
		if c.Number == "" {
			bad = append(bad, RowError{Line: line, Column: "证号", Key: "personnel.field_required"})
		} else if numbers[c.Number] {
			bad = append(bad, RowError{Line: line, Column: "证号", Key: "personnel.cert_number_taken"})
		}
		numbers[c.Number] = true
		if c.Issuer == "" {
			bad = append(bad, RowError{Line: line, Column: "发证机关", Key: "personnel.field_required"})
		}
		var okF, okT bool
		if c.ValidFrom, okF = ParseDay(r[4]); !okF {
			bad = append(bad, RowError{Line: line, Column: "有效期起", Key: "personnel.date_invalid"})
		}
		if c.ValidTo, okT = ParseDay(r[5]); !okT {
			bad = append(bad, RowError{Line: line, Column: "有效期止", Key: "personnel.date_invalid"})
		}
		if okF && okT && c.ValidTo.Compare(c.ValidFrom) < 0 {
			bad = append(bad, RowError{Line: line, Column: "有效期止", Key: "personnel.period_order"})
		}
		if len(bad) > 0 || len(res.Errors) > 0 {
			res.Errors = append(res.Errors, bad...)
			continue
		}
		c.ID, c.Version, c.UpdatedAt = s.newID(), 1, at
		b, err := json.Marshal(c)
		if err != nil {
			return apperr.Internalf("certificate: %w", err)
		}
		rec, err := s.record(actor, "import", p.Person.UnitPath, KindCertificate, c.ID, nil, c, at)
		if err != nil {
			return err
		}
		ch.Docs = append(ch.Docs, Doc{Kind: KindCertificate, ID: c.ID, Owner: c.PersonID, Ref: c.Number, UnitPath: p.Person.UnitPath,
			Tag: string(c.Status), From: c.ValidFrom.String(), To: c.ValidTo.String(), Version: 1, At: at,
			By: identity.LedgerActor(actor), Body: b})
		ch.Ledger = append(ch.Ledger, rec)
		byPerson[c.PersonID] = append(byPerson[c.PersonID], c)
		touched[c.PersonID] = p
	}
	for id, p := range touched {
		cs, to := certSummary(byPerson[id])
		if cs != p.CertStatus || to != p.CertTo {
			ch.Summaries = append(ch.Summaries, Summary{PersonID: id, CertStatus: cs, CertTo: to})
		}
	}
	return nil
}

func (s *Service) importEquipment(ctx context.Context, actor *identity.Actor, scope identity.Scope, units map[string][2]string,
	at time.Time, lines []int, rows [][]string, res *ImportResult, ch *Change) error {
	docs, err := s.store.DocsIn(ctx, KindEquipment, true, nil)
	if err != nil {
		return err
	}
	serials := map[string]bool{}
	for _, d := range docs {
		serials[d.Owner+"/"+d.Ref] = true
	}
	for i, r := range rows {
		line := lines[i]
		var bad []RowError
		e := Equipment{Kind: EquipmentKind(word(r[0])), Serial: strings.TrimSpace(r[1]), Model: strings.TrimSpace(r[2]),
			Condition: Condition(word(r[4]))}
		if e.Condition == "" {
			e.Condition = CondGood
		}
		if !has(EquipmentKinds(), e.Kind) {
			bad = append(bad, RowError{Line: line, Column: "类型", Key: "personnel.equipment_kind_invalid"})
		}
		if e.Serial == "" || len(e.Serial) > 64 {
			bad = append(bad, RowError{Line: line, Column: "编号", Key: "personnel.field_required"})
		} else if serials[string(e.Kind)+"/"+e.Serial] {
			bad = append(bad, RowError{Line: line, Column: "编号", Key: "personnel.serial_taken"})
		}
		serials[string(e.Kind)+"/"+e.Serial] = true
		if !has(Conditions(), e.Condition) {
			bad = append(bad, RowError{Line: line, Column: "状况", Key: "personnel.condition_invalid"})
		}
		u, ok := units[strings.TrimSpace(r[3])]
		if !ok {
			bad = append(bad, RowError{Line: line, Column: "单位编码", Key: "personnel.unit_unknown"})
		} else if !scope.Contains(u[1]) {
			bad = append(bad, RowError{Line: line, Column: "单位编码", Key: "perm.outside_jurisdiction"})
		}
		if len(bad) > 0 || len(res.Errors) > 0 {
			res.Errors = append(res.Errors, bad...)
			continue
		}
		e.UnitID, e.UnitPath = u[0], u[1]
		e.ID, e.Version, e.UpdatedAt = s.newID(), 1, at
		b, err := json.Marshal(e)
		if err != nil {
			return apperr.Internalf("equipment: %w", err)
		}
		rec, err := s.record(actor, "import", e.UnitPath, KindEquipment, e.ID, nil, e, at)
		if err != nil {
			return err
		}
		ch.Docs = append(ch.Docs, Doc{Kind: KindEquipment, ID: e.ID, Owner: string(e.Kind), Ref: e.Serial, UnitPath: e.UnitPath,
			Tag: string(e.Condition), Version: 1, At: at, By: identity.LedgerActor(actor), Body: b})
		ch.Ledger = append(ch.Ledger, rec)
	}
	return nil
}
