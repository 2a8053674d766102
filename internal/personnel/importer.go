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

// ImportSheets names the sheet each import looks for first.
var ImportSheets = map[string]string{ImportRoster: "人员名册", ImportCertificates: "执法证", ImportEquipment: "装备"}

// ImportHeaders are the header rows.
var ImportHeaders = map[string][]string{
	ImportRoster:       {"姓名", "身份证号", "性别", "编制类型", "岗位", "职务", "职级", "单位编码", "电话", "入职日期"},
	ImportCertificates: {"身份证号", "证号", "发证机关", "执法领域", "有效期起", "有效期止", "状态"},
	ImportEquipment:    {"类型", "编号", "型号", "单位编码", "状况"},
}

// Values of the coded columns: the Chinese label or the code itself.
var importWords = map[string]string{
	"男": "male", "女": "female",
	"行政": string(StaffCivilServant), "参公": string(StaffCivilManaged), "事业": string(StaffInstitution),
	"协管": string(StaffAuxiliary), "劳务派遣": string(StaffDispatched),
	"执法队员": string(PostMember), "队员": string(PostMember), "中队长": string(PostSquadHead), "法制员": string(PostLegalOfficer),
	"局领导": string(PostLeader), "协管岗位": string(PostAssistant), "其他": string(PostOther),
	"科级": string(LevelSection), "处级": string(LevelDivision), "厅局级": string(LevelBureau),
	"有效": string(CertValid), "申领": string(CertApplied),
	"执法记录仪": string(EquipRecorder), "记录仪": string(EquipRecorder), "手持终端": string(EquipTerminal), "终端": string(EquipTerminal),
	"执法车辆": string(EquipVehicle), "车辆": string(EquipVehicle), "对讲机": string(EquipRadio),
	"完好": string(CondGood), "磨损": string(CondWorn), "损坏": string(CondBroken), "遗失": string(CondLost), "报废": string(CondRetired),
}

func word(s string) string {
	s = strings.TrimSpace(s)
	if w, ok := importWords[s]; ok {
		return w
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
	if _, ok := ImportHeaders[kind]; !ok {
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
