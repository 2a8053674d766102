package storage_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"chengguan/internal/apperr"
	"chengguan/internal/calendar"
	"chengguan/internal/identity"
	"chengguan/internal/ids"
	"chengguan/internal/personnel"
	"chengguan/internal/storage"
	"chengguan/internal/storage/storagetest"
)

func pday(s string) calendar.Date {
	d, err := calendar.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

// personnelFixture is a tree, a personnel service on a fixed clock, and the
// actors that matter: the personnel administrator of the city, a squad
// leader of district A, a supervisor of district B.
type personnelFixture struct {
	tr                  tree
	svc                 *personnel.Service
	admin, lead, superB *identity.Actor
	now                 time.Time
}

func newPersonnelFixture(t testing.TB, db *storage.DB) personnelFixture {
	t.Helper()
	tr := makeTree(t, storage.NewIdentityStore(db))
	now := pday("2026-06-01").Start().Add(10 * time.Hour)
	f := personnelFixture{tr: tr, now: now,
		svc:    personnel.NewService(storage.NewPersonnelStore(db), ids.New, func() time.Time { return now }, personnel.Options{}),
		admin:  &identity.Actor{AccountID: ids.New(), Assignments: []identity.Assignment{assign(identity.RoleAdmin, tr.city)}},
		lead:   &identity.Actor{AccountID: ids.New(), Assignments: []identity.Assignment{assign(identity.RoleSquadLeader, tr.distA)}},
		superB: &identity.Actor{AccountID: ids.New(), Assignments: []identity.Assignment{assign(identity.RoleSupervisor, tr.distB)}},
	}
	return f
}

func (f personnelFixture) person(t *testing.T, name, id string, unit identity.Unit, st personnel.StaffType) personnel.Person {
	t.Helper()
	p, err := f.svc.SavePerson(context.Background(), f.admin, personnel.Person{Name: name, IDNumber: id, UnitID: unit.ID,
		StaffType: st, Phone: "13812345678", HiredOn: pday("2020-01-01")})
	if err != nil {
		t.Fatalf("SavePerson %s: %v", name, err)
	}
	return p
}

func rosterNames(t *testing.T, f personnelFixture, actor *identity.Actor, flt personnel.Filter) []string {
	t.Helper()
	pg, err := f.svc.Roster(context.Background(), actor, flt)
	if err != nil {
		t.Fatalf("Roster %+v: %v", flt, err)
	}
	var out []string
	for _, l := range pg.Lines {
		out = append(out, l.Person.Name)
	}
	return out
}

func TestPersonnelChangesKeepHistoryAndLedger(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		f := newPersonnelFixture(t, db)
		before := len(ledgerRecords(t, db))
		p := f.person(t, "张三", "11010519491231002x", f.tr.streetA, personnel.StaffCivilServant)
		if p.IDNumber != "11010519491231002X" || p.Gender != "female" || p.BirthDate.String() != "1949-12-31" {
			t.Fatalf("person %+v: ID not normalised or birth/gender not read from it", p)
		}
		p.Name = "张三丰"
		p2, err := f.svc.SavePerson(ctx, f.admin, p)
		if err != nil {
			t.Fatalf("update: %v", err)
		}
		// A second writer with the version it read first loses.
		p.Name = "李四"
		_, err = f.svc.SavePerson(ctx, f.admin, p)
		wantCode(t, err, apperr.Conflict, "stale update")
		if p2.Version != 2 {
			t.Fatalf("version %d, want 2", p2.Version)
		}
		recs := ledgerRecords(t, db)[before:]
		if len(recs) != 2 || recs[0].Action != "personnel.person.create" || recs[1].Action != "personnel.person.update" {
			t.Fatalf("ledger %+v, want create and update", recs)
		}
		hist, err := storage.NewPersonnelStore(db).History(ctx, p.ID)
		if err != nil || len(hist) != 2 || !strings.Contains(string(hist[0].Body), "张三\"") {
			t.Fatalf("history %v %v, want both versions", hist, err)
		}
	})
}

func TestBadIDNumberIsRefusedAndOldAddressCodeKept(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		f := newPersonnelFixture(t, db)
		_, err := f.svc.SavePerson(ctx, f.admin, personnel.Person{Name: "错号", IDNumber: "110105194912310021",
			UnitID: f.tr.streetA.ID, StaffType: personnel.StaffCivilServant})
		if e := apperr.As(err); e == nil || len(e.Fields) != 1 || e.Fields[0].Key != "personnel.id_checksum" {
			t.Fatalf("err %v, want the checksum field", err)
		}
		if strings.Contains(err.Error(), "110105194912310021") {
			t.Fatalf("the error quotes the ID number: %v", err)
		}
		p := f.person(t, "老号", "440524188001010014", f.tr.streetA, personnel.StaffCivilServant)
		if p.BirthDate.String() != "1880-01-01" {
			t.Fatalf("birth %s", p.BirthDate)
		}
	})
}

func TestRosterScopesMasksAndFilters(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		f := newPersonnelFixture(t, db)
		a := f.person(t, "甲队员", "11010519491231002X", f.tr.streetA, personnel.StaffCivilServant)
		f.person(t, "乙协管", "440524188001010014", f.tr.streetA, personnel.StaffAuxiliary)
		c := f.person(t, "丙队员", "110105194912310046", f.tr.distB, personnel.StaffInstitution)
		// a: certificate expiring in 30 days; c: expired.
		for _, x := range []struct {
			p  personnel.Person
			to string
		}{{a, "2026-07-01"}, {c, "2026-05-31"}} {
			if _, err := f.svc.SaveCertificate(ctx, f.admin, personnel.Certificate{PersonID: x.p.ID, Number: "N-" + x.p.Name,
				Issuer: "示范市人民政府", Field: "城市管理", ValidFrom: pday("2021-01-01"), ValidTo: pday(x.to), Status: personnel.CertValid}); err != nil {
				t.Fatalf("certificate: %v", err)
			}
		}
		if _, err := f.svc.SavePeriod(ctx, f.admin, personnel.StatusPeriod{PersonID: c.ID, Status: personnel.StatusSickLeave,
			From: pday("2026-05-20"), To: pday("2026-06-10")}); err != nil {
			t.Fatalf("period: %v", err)
		}
		all := personnel.Filter{}
		if got := rosterNames(t, f, f.admin, all); !slices.Equal(got, []string{"丙队员", "乙协管", "甲队员"}) &&
			!slices.Equal(got, []string{"甲队员", "乙协管", "丙队员"}) && len(got) != 3 {
			t.Fatalf("admin roster %v", got)
		}
		if got := rosterNames(t, f, f.lead, all); len(got) != 2 || slices.Contains(got, "丙队员") {
			t.Fatalf("district A squad leader sees %v, want only district A", got)
		}
		if got := rosterNames(t, f, f.superB, all); !slices.Equal(got, []string{"丙队员"}) {
			t.Fatalf("district B supervisor sees %v", got)
		}
		for _, tt := range []struct {
			flt  personnel.Filter
			want []string
		}{
			{personnel.Filter{CertState: personnel.StateExpiring}, []string{"甲队员"}},
			{personnel.Filter{CertState: personnel.StateExpired}, []string{"丙队员"}},
			{personnel.Filter{CertState: personnel.StateNone}, []string{"乙协管"}},
			{personnel.Filter{StaffType: personnel.StaffAuxiliary}, []string{"乙协管"}},
			{personnel.Filter{Status: personnel.StatusSickLeave}, []string{"丙队员"}},
			{personnel.Filter{Status: personnel.StatusOnDuty, UnitPath: f.tr.distB.Path}, nil},
			{personnel.Filter{Status: personnel.StatusOnDuty, Day: pday("2026-06-11"), UnitPath: f.tr.distB.Path}, []string{"丙队员"}},
			{personnel.Filter{Text: "协"}, []string{"乙协管"}},
			{personnel.Filter{Text: "%"}, nil},
		} {
			if got := rosterNames(t, f, f.admin, tt.flt); !slices.Equal(got, tt.want) {
				t.Errorf("filter %+v: %v, want %v", tt.flt, got, tt.want)
			}
		}
		// Masking: the squad leader sees masked numbers, the administrator full ones.
		pg, _ := f.svc.Roster(ctx, f.lead, personnel.Filter{Text: "甲"})
		if got := pg.Lines[0].Person; got.IDNumber != "110105********002X" || got.Phone != "138****5678" {
			t.Fatalf("squad leader sees %s %s, want masked", got.IDNumber, got.Phone)
		}
		// Lists are masked for the administrator too; the administrator's
		// export has the full numbers and is recorded, the squad leader's not.
		pg, _ = f.svc.Roster(ctx, f.admin, personnel.Filter{Text: "甲"})
		if got := pg.Lines[0].Person; got.IDNumber != "110105********002X" {
			t.Fatalf("administrator's list shows %s, want masked", got.IDNumber)
		}
		n := len(ledgerRecords(t, db))
		pg, _ = f.svc.RosterExport(ctx, f.lead, personnel.Filter{Text: "甲"})
		if got := pg.Lines[0].Person; got.IDNumber != "110105********002X" || len(ledgerRecords(t, db)) != n {
			t.Fatalf("squad leader's export shows %s", got.IDNumber)
		}
		pg, _ = f.svc.RosterExport(ctx, f.admin, personnel.Filter{})
		recs := ledgerRecords(t, db)
		var got personnel.Person
		for _, l := range pg.Lines {
			if l.Person.Name == "甲队员" {
				got = l.Person
			}
		}
		if got.IDNumber != "11010519491231002X" || len(recs) != n+1 ||
			recs[n].Action != personnel.ActExportFull || recs[n].Reason != "3 people" {
			t.Fatalf("administrator's export shows %s; ledger %+v", got.IDNumber, recs[n:])
		}
	})
}

func TestFullCardViewIsRecordedMaskedViewIsNot(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		f := newPersonnelFixture(t, db)
		p := f.person(t, "甲队员", "11010519491231002X", f.tr.streetA, personnel.StaffCivilServant)
		n := len(ledgerRecords(t, db))
		c, err := f.svc.Card(ctx, f.lead, p.ID)
		if err != nil || c.Full || c.Person.IDNumber == p.IDNumber {
			t.Fatalf("squad leader card full=%v id=%s err=%v, want masked", c.Full, c.Person.IDNumber, err)
		}
		if got := len(ledgerRecords(t, db)); got != n {
			t.Fatalf("a masked view appended %d ledger records", got-n)
		}
		c, err = f.svc.Card(ctx, f.admin, p.ID)
		if err != nil || !c.Full || c.Person.IDNumber != p.IDNumber {
			t.Fatalf("administrator card full=%v err=%v", c.Full, err)
		}
		recs := ledgerRecords(t, db)
		if len(recs) != n+1 || recs[n].Action != personnel.ActViewFull || recs[n].Subject.ID != p.ID || recs[n].ActorID != f.admin.AccountID {
			t.Fatalf("ledger after a full view: %+v", recs[n:])
		}
		_, err = f.svc.Card(ctx, f.superB, p.ID)
		wantCode(t, err, apperr.Forbidden, "supervisor of another district")
	})
}

func TestCertificateLifecycleAndEligibility(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		f := newPersonnelFixture(t, db)
		p := f.person(t, "甲队员", "11010519491231002X", f.tr.streetA, personnel.StaffCivilServant)
		c, err := f.svc.SaveCertificate(ctx, f.admin, personnel.Certificate{PersonID: p.ID, Number: "豫0001", Issuer: "示范市人民政府",
			Field: "城市管理", ValidFrom: pday("2026-01-01"), ValidTo: pday("2030-12-31")})
		if err != nil || c.Status != personnel.CertApplied {
			t.Fatalf("apply: %+v %v", c, err)
		}
		_, err = f.svc.MoveCertificate(ctx, f.admin, c.ID, c.Version, personnel.CertValid, "")
		wantCode(t, err, apperr.Conflict, "issue before review")
		for _, to := range []personnel.CertStatus{personnel.CertReviewed, personnel.CertValid} {
			if c, err = f.svc.MoveCertificate(ctx, f.admin, c.ID, c.Version, to, ""); err != nil {
				t.Fatalf("move to %s: %v", to, err)
			}
		}
		v, err := f.svc.Eligibility(ctx, f.lead, p.ID, identity.ActPenaltyInvestigate, f.now)
		if err != nil {
			t.Fatal(err)
		}
		if got := codes(v.Reasons); !slices.Equal(got, []string{personnel.ReasonInitialTraining, personnel.ReasonNoRecorder}) {
			t.Fatalf("reasons %v", got)
		}
		if _, err := f.svc.SaveTraining(ctx, f.admin, personnel.Training{PersonID: p.ID, Course: "初任培训", Kind: personnel.TrainInitial,
			Level: personnel.OrgCity, Hours: 40, Start: pday("2020-02-01"), End: pday("2020-02-10")}); err != nil {
			t.Fatal(err)
		}
		rec, err := f.svc.SaveEquipment(ctx, f.admin, personnel.Equipment{Kind: personnel.EquipRecorder, Serial: "REC-001", UnitID: f.tr.distA.ID})
		if err != nil {
			t.Fatal(err)
		}
		_, err = f.svc.SaveEquipment(ctx, f.admin, personnel.Equipment{Kind: personnel.EquipRecorder, Serial: "REC-001", UnitID: f.tr.distA.ID})
		wantCode(t, err, apperr.Invalid, "duplicate serial")
		handed := f.now.Add(-time.Hour)
		if _, err := f.svc.Assign(ctx, f.admin, rec.ID, p.ID, handed); err != nil {
			t.Fatal(err)
		}
		v, _ = f.svc.Eligibility(ctx, f.lead, p.ID, identity.ActPenaltyInvestigate, f.now)
		if !v.Allowed {
			t.Fatalf("after training and recorder: %+v", v.Reasons)
		}
		// Who held REC-001 at a moment.
		returned := f.now.Add(time.Hour)
		if _, err := f.svc.Return(ctx, f.admin, rec.ID, returned); err != nil {
			t.Fatal(err)
		}
		holder, _, err := f.svc.HolderAt(ctx, f.lead, rec.ID, handed.Add(time.Minute))
		if err != nil || holder.ID != p.ID {
			t.Fatalf("holder %v %v", holder.ID, err)
		}
		_, _, err = f.svc.HolderAt(ctx, f.lead, rec.ID, returned)
		wantCode(t, err, apperr.NotFound, "holder after return")
		_, _, err = f.svc.HolderAt(ctx, f.lead, rec.ID, handed.Add(-time.Millisecond))
		wantCode(t, err, apperr.NotFound, "holder before hand-out")
		// Suspending the certificate shows in the roster and the verdict.
		if _, err := f.svc.MoveCertificate(ctx, f.admin, c.ID, c.Version, personnel.CertSuspended, "调查中"); err != nil {
			t.Fatal(err)
		}
		if got := rosterNames(t, f, f.admin, personnel.Filter{CertState: personnel.StateSuspended}); !slices.Equal(got, []string{"甲队员"}) {
			t.Fatalf("suspended filter %v", got)
		}
		v, _ = f.svc.Check(ctx, p.ID, identity.ActPenaltyFile, f.now)
		if got := codes(v.Reasons); !slices.Equal(got, []string{personnel.ReasonCertSuspended}) {
			t.Fatalf("reasons %v", got)
		}
		// Auxiliary staff hold no certificate.
		aux := f.person(t, "乙协管", "440524188001010014", f.tr.streetA, personnel.StaffAuxiliary)
		_, err = f.svc.SaveCertificate(ctx, f.admin, personnel.Certificate{PersonID: aux.ID, Number: "X", Issuer: "Y",
			ValidFrom: pday("2026-01-01"), ValidTo: pday("2027-01-01")})
		wantCode(t, err, apperr.Invalid, "certificate for auxiliary staff")
	})
}

func TestOnlyThePersonnelAdministratorChangesRecords(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		f := newPersonnelFixture(t, db)
		_, err := f.svc.SavePerson(ctx, f.lead, personnel.Person{Name: "甲", IDNumber: "11010519491231002X",
			UnitID: f.tr.streetA.ID, StaffType: personnel.StaffCivilServant})
		wantCode(t, err, apperr.Forbidden, "squad leader creates a person")
		if got := rosterNames(t, f, f.admin, personnel.Filter{}); len(got) != 0 {
			t.Fatalf("a refused change stored %v", got)
		}
	})
}

func TestExamDrawIsStoredWithItsSeed(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		f := newPersonnelFixture(t, db)
		for i, id := range []string{"11010519491231002X", "440524188001010014", "110105194912310046", "110105194912310062"} {
			p := f.person(t, "队员"+string(rune('A'+i)), id, f.tr.streetA, personnel.StaffCivilServant)
			_ = p
		}
		q, err := f.svc.SaveQuestion(ctx, f.admin, personnel.Question{Text: "行政处罚法规定的罚款缴纳期限？", Options: []string{"7日", "15日"}, Answer: 1})
		if err != nil {
			t.Fatal(err)
		}
		paper, err := f.svc.CreatePaper(ctx, f.admin, personnel.Paper{Title: "2026年法律知识考试", Date: pday("2026-06-01"),
			UnitID: f.tr.distA.ID, QuestionIDs: []string{q.ID}, SamplePct: 50})
		if err != nil {
			t.Fatal(err)
		}
		if paper.Seed == 0 || len(paper.Candidates) != 2 {
			t.Fatalf("paper %+v, want a seed and 2 of 4 drawn", paper)
		}
		again, err := f.svc.Redraw(ctx, f.lead, paper.ID)
		if err != nil || !slices.Equal(again, paper.Candidates) {
			t.Fatalf("redraw %v %v, want %v", again, err, paper.Candidates)
		}
		if _, err := f.svc.RecordScore(ctx, f.admin, paper.ID, paper.Candidates[0].PersonID, 85); err != nil {
			t.Fatal(err)
		}
	})
}

func codes(rs []personnel.Reason) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.Code)
	}
	return out
}

func TestImportIsAllOrNothingWithAReportPerRow(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		f := newPersonnelFixture(t, db)
		rows := [][]string{
			{"甲", "11010519491231002X", "女", "行政", "执法队员", "", "", "330102001", "13812345678", "2020-01-01"},
			{"乙", "110105194912310021", "男", "行政", "", "", "", "330102001", "", ""},      // bad checksum
			{"丙", "440524188001010014", "男", "编外", "", "", "", "nope", "", "2020/13/01"}, // staff type, unit, date
			{"丁", "11010519491231002X", "女", "协管", "", "", "", "330102001", "", "43831"}, // same ID as row 2
		}
		n := len(ledgerRecords(t, db))
		res, err := f.svc.Import(ctx, f.admin, personnel.ImportRoster, []int{2, 3, 4, 5}, rows)
		wantCode(t, err, apperr.Invalid, "import with bad rows")
		if e := apperr.As(err); e.Args["Count"] != 3 || len(e.Fields) != len(res.Errors) {
			t.Fatalf("error %+v, want 3 bad rows reported as fields", e)
		}
		var got []string
		for _, re := range res.Errors {
			got = append(got, fmt.Sprintf("%d %s %s", re.Line, re.Column, re.Key))
		}
		want := []string{"3 身份证号 personnel.id_checksum", "4 单位编码 personnel.unit_unknown", "4 入职日期 personnel.date_invalid",
			"4 编制类型 personnel.staff_type_invalid", "5 身份证号 personnel.id_twice"}
		if !slices.Equal(got, want) {
			t.Fatalf("report\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		if names := rosterNames(t, f, f.admin, personnel.Filter{}); len(names) != 0 || len(ledgerRecords(t, db)) != n {
			t.Fatalf("a refused import wrote %v", names)
		}
		// Fixed rows go in together, each with its ledger record.
		rows = [][]string{rows[0], {"丁", "440524188001010014", "男", "协管", "", "", "", "330102001", "", "43831"}}
		res, err = f.svc.Import(ctx, f.admin, personnel.ImportRoster, []int{2, 3}, rows)
		if err != nil || res.Written != 2 {
			t.Fatalf("import %+v %v", res, err)
		}
		if got := len(ledgerRecords(t, db)) - n; got != 2 {
			t.Fatalf("%d ledger records, want 2", got)
		}
		pg, _ := f.svc.Roster(ctx, f.admin, personnel.Filter{Text: "丁"})
		if p := pg.Lines[0].Person; p.HiredOn.String() != "2020-01-01" || p.StaffType != personnel.StaffAuxiliary {
			t.Fatalf("imported %+v: Excel serial 43831 is 2020-01-01", p)
		}
		// Certificates for people on the roster; a squad leader may not import.
		_, err = f.svc.Import(ctx, f.lead, personnel.ImportCertificates, []int{2}, [][]string{{"11010519491231002X", "N1", "市政府", "", "2024-01-01", "2029-01-01", "有效"}})
		wantCode(t, err, apperr.Forbidden, "squad leader imports")
		res, err = f.svc.Import(ctx, f.admin, personnel.ImportCertificates, []int{2, 3}, [][]string{
			{"11010519491231002X", "N1", "市政府", "", "2024-01-01", "2029-01-01", "有效"},
			{"440524188001010014", "N2", "市政府", "", "2024-01-01", "2029-01-01", "有效"}})
		wantCode(t, err, apperr.Invalid, "certificate for an auxiliary")
		if len(res.Errors) != 1 || res.Errors[0].Key != "personnel.auxiliary_no_certificate" {
			t.Fatalf("report %+v", res.Errors)
		}
		if _, err := f.svc.Import(ctx, f.admin, personnel.ImportCertificates, []int{2}, [][]string{
			{"11010519491231002X", "N1", "市政府", "", "2024-01-01", "2029-01-01", "有效"}}); err != nil {
			t.Fatal(err)
		}
		if got := rosterNames(t, f, f.admin, personnel.Filter{CertState: personnel.StateValid}); !slices.Equal(got, []string{"甲"}) {
			t.Fatalf("valid certificates %v", got)
		}
	})
}

func TestTransferOutEndsStaffAndOpensAPeriod(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		f := newPersonnelFixture(t, db)
		p := f.person(t, "甲队员", "11010519491231002X", f.tr.streetA, personnel.StaffCivilServant)
		if _, err := f.svc.SaveTransfer(ctx, f.admin, personnel.Transfer{PersonID: p.ID, Direction: "out", Date: pday("2026-05-01"), Org: "示范市公安局"}); err != nil {
			t.Fatal(err)
		}
		if got := rosterNames(t, f, f.admin, personnel.Filter{Status: personnel.StatusTransferred}); !slices.Equal(got, []string{"甲队员"}) {
			t.Fatalf("transferred out: %v", got)
		}
		v, err := f.svc.Check(ctx, p.ID, identity.ActPenaltyFile, f.now)
		if err != nil {
			t.Fatal(err)
		}
		if got := codes(v.Reasons); !slices.Contains(got, personnel.ReasonNotOnStaff) || !slices.Contains(got, personnel.ReasonTransferredOut) {
			t.Fatalf("reasons %v", got)
		}
		c, _ := f.svc.Card(ctx, f.admin, p.ID)
		if c.Person.LeftOn.String() != "2026-05-01" || c.Status != personnel.StatusTransferred || len(c.Transfers) != 1 {
			t.Fatalf("card %+v", c)
		}
	})
}
