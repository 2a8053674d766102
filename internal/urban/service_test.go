package urban_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"chengguan/internal/apperr"
	"chengguan/internal/calendar"
	"chengguan/internal/demo"
	"chengguan/internal/evidence"
	"chengguan/internal/grid"
	"chengguan/internal/identity"
	"chengguan/internal/ids"
	"chengguan/internal/storage"
	"chengguan/internal/storage/storagetest"
	"chengguan/internal/urban"
)

// A point in 鹰城社区 (建设路街道, 东城区), the demo inspector's street.
const yingchengLon, yingchengLat = 113.2000, 33.7600

// fakeCategories is a catalogue of two categories with fixed limits.
type fakeCategories map[string]urban.Category

func (f fakeCategories) Category(_ context.Context, id string) (urban.Category, error) {
	c, ok := f[id]
	if !ok {
		return urban.Category{}, apperr.New(apperr.NotFound, "case.category_unknown")
	}
	return c, nil
}

func limits(s urban.Stage, u urban.Urgency) urban.Limit {
	switch s {
	case urban.StageFile:
		return urban.Limit{Amount: 1, Unit: calendar.Workhour}
	case urban.StageDispatch:
		return urban.Limit{Amount: 1, Unit: calendar.Workhour}
	case urban.StageHandle:
		if u == urban.UrgencyUrgent {
			return urban.Limit{Amount: 2, Unit: calendar.Hour}
		}
		return urban.Limit{Amount: 2, Unit: calendar.Workday}
	case urban.StageVerify:
		return urban.Limit{Amount: 4, Unit: calendar.Workhour}
	}
	return urban.Limit{}
}

type world struct {
	svc    *urban.Service
	cal    *calendar.Service
	ledger *storage.LedgerStore
	actors map[string]*identity.Actor
	units  map[string]*identity.Unit
	now    *time.Time
	deps   urban.Deps // what svc was made of
}

func newWorld(t testing.TB, db *storage.DB) *world {
	t.Helper()
	ctx := context.Background()
	idsvc, err := identity.NewService(storage.NewIdentityStore(db), identity.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := demo.Load(ctx, idsvc, demo.RandomPassword); err != nil {
		t.Fatal(err)
	}
	gsvc := grid.NewService(storage.NewGridStore(db), ids.New, nil)
	if _, _, err := demo.LoadGrid(ctx, gsvc); err != nil {
		t.Fatal(err)
	}
	blobs, err := evidence.Open(t.TempDir(), evidence.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	// Wednesday 2026-09-30 10:00 in Shanghai, before the National Day holiday.
	now := time.Date(2026, 9, 30, 2, 0, 0, 0, time.UTC)
	w := &world{now: &now, actors: map[string]*identity.Actor{}, units: map[string]*identity.Unit{},
		ledger: storage.NewLedgerStore(db)}
	for _, a := range demo.Accounts() {
		acc, err := idsvc.AccountByUsername(ctx, identity.System(), a.Username)
		if err != nil {
			t.Fatal(err)
		}
		w.actors[a.Username] = acc.Actor()
	}
	store := storage.NewIdentityStore(db)
	for _, code := range []string{"419900-HW", "419900-SZ", "419901001001"} {
		u, err := store.UnitByCode(ctx, code)
		if err != nil {
			t.Fatal(err)
		}
		w.units[code] = u
	}
	cats := fakeCategories{
		"cat-litter": {ID: "cat-litter", Code: "0102", Kind: "event", Name: "暴露垃圾", Enabled: true, Limits: limits},
		"cat-cover":  {ID: "cat-cover", Code: "0101", Kind: "component", Name: "上水井盖", Enabled: true, Limits: limits},
	}
	w.cal = calendar.NewService(storage.NewCalendarStore(db), ids.New, nil)
	w.deps = urban.Deps{Store: storage.NewUrbanStore(db), Units: store, Categories: cats,
		Calendar: w.cal, Grid: gsvc, Evidence: blobs,
		Config: urban.DefaultConfig(), Now: func() time.Time { return *w.now }, NewID: ids.New}
	w.svc = urban.NewService(w.deps)
	return w
}

func (w *world) report(t *testing.T, who string, r urban.Report) urban.Receipt {
	t.Helper()
	if r.CategoryID == "" {
		r.CategoryID = "cat-litter"
	}
	if r.Description == "" {
		r.Description = "路边暴露垃圾一堆"
	}
	if r.Lon == 0 {
		r.Lon, r.Lat = yingchengLon, yingchengLat
	}
	rc, err := w.svc.Submit(context.Background(), w.actors[who], r)
	if err != nil {
		t.Fatalf("%s reports: %v", who, err)
	}
	return rc
}

func (w *world) act(t *testing.T, who string, c *urban.Case, in urban.Input) *urban.Case {
	t.Helper()
	next, err := w.svc.Act(context.Background(), w.actors[who], c.ID, in)
	if err != nil {
		t.Fatalf("%s %s: %v", who, in.Move, err)
	}
	return next
}

func wantCode(t *testing.T, err error, code apperr.Code, what string) {
	t.Helper()
	if !apperr.Is(err, code) {
		t.Fatalf("%s: got %v, want %s", what, err, code)
	}
}

func TestACaseGoesRoundTheWholeLoop(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		photo := jpeg(t)
		blob, err := w.svc.PutEvidence(ctx, bytes.NewReader(photo), "before.jpg")
		if err != nil {
			t.Fatal(err)
		}
		rc := w.report(t, "inspector", urban.Report{Channel: urban.ChannelInspector, ClientID: "phone-1", Photos: []evidence.Blob{blob}})
		c := rc.Case
		if c.State != urban.StateReported || c.Number != "2026-000001" || c.UnitID != w.units["419901001001"].ID {
			t.Fatalf("reported: got %+v", c)
		}
		if c.GridCode == "" || c.GridVersion == 0 {
			t.Fatalf("the case remembers its grid cell and version: %+v", c)
		}
		// 1 working hour from 10:00 on a working day.
		if want := time.Date(2026, 9, 30, 3, 0, 0, 0, time.UTC); !c.StageDue.Equal(want) {
			t.Fatalf("filing deadline: got %v, want %v", c.StageDue, want)
		}
		again := w.report(t, "inspector", urban.Report{Channel: urban.ChannelInspector, ClientID: "phone-1"})
		if !again.Resubmitted || again.Case.ID != c.ID {
			t.Fatalf("resubmission with the same client ID: got %+v", again)
		}

		c = w.act(t, "operator", c, urban.Input{Move: urban.MoveFile})
		c = w.act(t, "shiftlead", c, urban.Input{Move: urban.MoveDispatch, DepartmentID: w.units["419900-HW"].ID})
		if c.State != urban.StateDispatched || c.DepartmentID != w.units["419900-HW"].ID {
			t.Fatalf("dispatched: %+v", c)
		}
		// 2 working days from 2026-09-30: the holiday runs 10-01…10-07, so 10-08 and 10-09.
		if got := c.HandleDue.In(calendar.Location()).Format("2006-01-02 15:04"); got != "2026-10-10 00:00" {
			t.Fatalf("handling deadline: got %s, want the end of 2026-10-09", got)
		}
		c = w.act(t, "dept", c, urban.Input{Move: urban.MoveHandle, Note: "已清运"})
		_, err = w.svc.Act(ctx, w.actors["dept"], c.ID, urban.Input{Move: urban.MoveVerify})
		wantCode(t, err, apperr.Forbidden, "the department verifies its own work")
		c = w.act(t, "inspector", c, urban.Input{Move: urban.MoveVerify})
		c = w.act(t, "operator", c, urban.Input{Move: urban.MoveClose})
		if c.State != urban.StateClosed || c.ClosedAt.IsZero() || c.Version != 6 {
			t.Fatalf("closed: %+v", c)
		}
		evs, err := w.svc.History(ctx, w.actors["operator"], c.ID)
		if err != nil || len(evs) != 6 {
			t.Fatalf("history: %d events, %v", len(evs), err)
		}
		var moves []urban.Move
		for _, e := range evs {
			moves = append(moves, e.Move)
		}
		want := []urban.Move{urban.MoveReport, urban.MoveFile, urban.MoveDispatch, urban.MoveHandle, urban.MoveVerify, urban.MoveClose}
		for i := range want {
			if moves[i] != want[i] {
				t.Fatalf("history moves: got %v, want %v", moves, want)
			}
		}
		// Every move and the photo are in the ledger, the photo by its hash.
		recs, err := w.ledger.ForSubject(ctx, "case", c.ID, 100)
		if err != nil || len(recs) != 6 {
			t.Fatalf("ledger records of the case: %d, %v", len(recs), err)
		}
		atts, err := w.svc.Attachments(ctx, w.actors["operator"], c.ID)
		if err != nil || len(atts) != 1 || atts[0].SHA256 != blob.SHA256 {
			t.Fatalf("attachments: %+v, %v", atts, err)
		}
		ev, err := w.ledger.ForSubject(ctx, urban.EvidenceSubject, atts[0].ID, 100)
		if err != nil || len(ev) != 1 || ev[0].After != blob.SHA256 {
			t.Fatalf("the photo's ledger record: %+v, %v", ev, err)
		}
	})
}

func TestWhoMaySeeAndMoveACase(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		c := w.report(t, "auxiliary", urban.Report{Channel: urban.ChannelInspector}).Case
		_, err := w.svc.Submit(ctx, w.actors["admin"], urban.Report{Channel: urban.ChannelInspector, CategoryID: "cat-litter",
			Description: "x", Lon: yingchengLon, Lat: yingchengLat})
		wantCode(t, err, apperr.Forbidden, "an administrator reports")
		_, err = w.svc.Act(ctx, w.actors["inspector"], c.ID, urban.Input{Move: urban.MoveFile})
		wantCode(t, err, apperr.Forbidden, "an inspector files")
		_, err = w.svc.Get(ctx, w.actors["dept"], c.ID)
		wantCode(t, err, apperr.Forbidden, "a department sees an undispatched case")
		c = w.act(t, "operator", c, urban.Input{Move: urban.MoveFile})
		c = w.act(t, "operator", c, urban.Input{Move: urban.MoveDispatch, DepartmentID: w.units["419900-SZ"].ID})
		_, err = w.svc.Act(ctx, w.actors["dept"], c.ID, urban.Input{Move: urban.MoveHandle, Note: "done"})
		wantCode(t, err, apperr.Forbidden, "the sanitation department handles the works department's task")
		list, err := w.svc.List(ctx, w.actors["dept"], urban.Filter{})
		if err != nil || len(list) != 0 {
			t.Fatalf("the sanitation department's list: %d cases, %v", len(list), err)
		}
		list, err = w.svc.List(ctx, w.actors["inspector"], urban.Filter{})
		if err != nil || len(list) != 1 {
			t.Fatalf("the inspector's list: %d cases, %v", len(list), err)
		}
		_, err = w.svc.Act(ctx, w.actors["operator"], c.ID, urban.Input{Move: urban.MoveClose})
		wantCode(t, err, apperr.Conflict, "closing a case still with the department")
		_, err = w.svc.Act(ctx, w.actors["operator"], c.ID, urban.Input{Move: urban.MoveFile, Version: 1})
		wantCode(t, err, apperr.Conflict, "a move on a stale version")
	})
}

func TestResidentsTrackTheirCasePrivately(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		rc := w.report(t, "", urban.Report{Channel: urban.ChannelResident, ReporterKey: "form:abc", ClientID: "f1",
			Contact: urban.Contact{Name: "张三", Phone: "13800138000"}})
		if rc.Tracking == "" || rc.Case.TrackingHash == "" {
			t.Fatalf("a resident gets a tracking secret: %+v", rc)
		}
		if _, _, err := w.svc.Track(ctx, rc.Case.Number, "wrong"); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("a wrong secret: %v", err)
		}
		c := w.act(t, "operator", rc.Case, urban.Input{Move: urban.MoveReject, Note: "非城市管理范围", Public: true})
		got, evs, err := w.svc.Track(ctx, c.Number, rc.Tracking)
		if err != nil || got.State != urban.StateRejected || got.PublicNote != "非城市管理范围" || len(evs) != 2 {
			t.Fatalf("track: %+v, %d events, %v", got, len(evs), err)
		}
		_, err = w.svc.ContactOf(ctx, w.actors["dept"], c.ID)
		wantCode(t, err, apperr.Forbidden, "a department reads a resident's phone")
		contact, err := w.svc.ContactOf(ctx, w.actors["operator"], c.ID)
		if err != nil || contact.Phone != "13800138000" {
			t.Fatalf("the operator reads the contact: %+v, %v", contact, err)
		}
		recs, _ := w.ledger.ForSubject(ctx, "case", c.ID, 100)
		var read bool
		for _, r := range recs {
			read = read || r.Action == string(identity.ActCaseContact)
		}
		if !read {
			t.Fatal("reading a resident's contact is not in the ledger")
		}
	})
}

func TestThePublicListReadsNothingThatLeadsToAReporterOrToStaff(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		resident := w.report(t, "", urban.Report{Channel: urban.ChannelResident, ReporterKey: "form:abc", ClientID: "f1",
			Contact: urban.Contact{Name: "张三", Phone: "13800138000"}}).Case
		inspected := w.report(t, "inspector", urban.Report{Channel: urban.ChannelInspector, Description: "井盖缺失"}).Case
		inspected = w.act(t, "operator", inspected, urban.Input{Move: urban.MoveFile})
		inspected = w.act(t, "operator", inspected, urban.Input{Move: urban.MoveDispatch, DepartmentID: w.units["419900-HW"].ID})
		for _, states := range [][]urban.State{nil, {urban.StateReported, urban.StateDispatched}} {
			list, err := w.svc.PublicList(ctx, urban.Filter{States: states, Limit: 10})
			if err != nil || len(list) != 2 {
				t.Fatalf("public list of %v: %d cases, %v", states, len(list), err)
			}
			for _, c := range list {
				want := resident
				if c.Number == inspected.Number {
					want = inspected
				}
				if c.Number != want.Number || c.State != want.State || c.Description != want.Description ||
					!c.ReportedAt.Equal(want.ReportedAt) || !c.HandleDue.Equal(want.HandleDue) || c.CategoryID != want.CategoryID {
					t.Fatalf("public fields of %s:\n got %+v\nwant %+v", want.Number, c, want)
				}
				if c.ReporterID != "" || c.ReporterKey != "" || c.TrackingHash != "" || c.ClientID != "" ||
					c.DepartmentID != "" || c.UnitPath != "" || c.Pending != nil {
					t.Fatalf("the public list read private fields of %s: %+v", c.Number, c)
				}
			}
		}
	})
}

func TestExtensionsWaitForTheShiftLeadAndMoveTheDeadline(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		c := w.report(t, "inspector", urban.Report{Channel: urban.ChannelInspector, Urgency: urban.UrgencyUrgent}).Case
		c = w.act(t, "operator", c, urban.Input{Move: urban.MoveFile})
		c = w.act(t, "operator", c, urban.Input{Move: urban.MoveDispatch, DepartmentID: w.units["419900-HW"].ID})
		due := c.HandleDue
		if want := w.now.Add(2 * time.Hour); !due.Equal(want) {
			t.Fatalf("an urgent case's handling deadline: got %v, want %v", due, want)
		}
		c = w.act(t, "dept", c, urban.Input{Move: urban.MoveExtend, Note: "需要调用吊车", Amount: 1, Unit: calendar.Day})
		if c.Pending == nil || c.State != urban.StateDispatched || !c.HandleDue.Equal(due) {
			t.Fatalf("an extension waits: %+v", c)
		}
		_, err := w.svc.Act(ctx, w.actors["dept"], c.ID, urban.Input{Move: urban.MoveHandle, Note: "x"})
		wantCode(t, err, apperr.Conflict, "handling while an extension waits")
		c = w.act(t, "shiftlead", c, urban.Input{Move: urban.MoveApprove})
		if c.Pending != nil || c.Extensions != 1 || !c.HandleDue.After(due) {
			t.Fatalf("approved extension: %+v", c)
		}
		// Void needs approval in the default configuration when an operator asks.
		c2 := w.report(t, "inspector", urban.Report{Channel: urban.ChannelInspector, Description: "重复录入"}).Case
		c2 = w.act(t, "operator", c2, urban.Input{Move: urban.MoveVoid, Note: "录入错误"})
		if c2.State != urban.StateReported || c2.Pending == nil {
			t.Fatalf("void by an operator waits: %+v", c2)
		}
		c2 = w.act(t, "shiftlead", c2, urban.Input{Move: urban.MoveApprove})
		if c2.State != urban.StateVoid {
			t.Fatalf("approved void: %+v", c2)
		}
	})
}

func TestReworkHoldAndReopenKeepTheirClocksHonest(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		c := w.report(t, "inspector", urban.Report{Channel: urban.ChannelInspector}).Case
		c = w.act(t, "operator", c, urban.Input{Move: urban.MoveFile})
		c = w.act(t, "operator", c, urban.Input{Move: urban.MoveDispatch, DepartmentID: w.units["419900-HW"].ID})
		due := c.HandleDue
		c = w.act(t, "dept", c, urban.Input{Move: urban.MoveHandle, Note: "已处理"})
		c = w.act(t, "inspector", c, urban.Input{Move: urban.MoveRework, Note: "仍有垃圾"})
		if c.State != urban.StateRework || c.Reworks != 1 || !c.StageDue.Equal(due) {
			t.Fatalf("rework keeps the handling deadline: %+v", c)
		}
		c = w.act(t, "shiftlead", c, urban.Input{Move: urban.MoveHold, Note: "等待资金"})
		if c.State != urban.StateHeld || !c.StageDue.IsZero() {
			t.Fatalf("held: %+v", c)
		}
		c = w.act(t, "shiftlead", c, urban.Input{Move: urban.MoveResume, Note: "资金到位"})
		if c.State != urban.StateRework || !c.StageDue.Equal(due) {
			t.Fatalf("resumed: %+v", c)
		}
		c = w.act(t, "dept", c, urban.Input{Move: urban.MoveHandle, Note: "已清理干净"})
		c = w.act(t, "inspector", c, urban.Input{Move: urban.MoveVerify})
		c = w.act(t, "operator", c, urban.Input{Move: urban.MoveClose})
		c = w.act(t, "operator", c, urban.Input{Move: urban.MoveReopen, Note: "居民反映又有垃圾"})
		if c.State != urban.StateFiled || c.Reopens != 1 || c.DepartmentID != "" {
			t.Fatalf("reopened: %+v", c)
		}
		*w.now = w.now.Add(40 * 24 * time.Hour)
		c = w.act(t, "operator", c, urban.Input{Move: urban.MoveDispatch, DepartmentID: w.units["419900-HW"].ID})
		c = w.act(t, "dept", c, urban.Input{Move: urban.MoveHandle, Note: "ok"})
		c = w.act(t, "inspector", c, urban.Input{Move: urban.MoveVerify})
		c = w.act(t, "operator", c, urban.Input{Move: urban.MoveClose})
		*w.now = w.now.Add(31 * 24 * time.Hour)
		_, err := w.svc.Act(ctx, w.actors["operator"], c.ID, urban.Input{Move: urban.MoveReopen, Note: "again"})
		wantCode(t, err, apperr.Conflict, "reopening after the configured period")
	})
}

func TestDuplicatesAreOfferedAndMerged(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		w := newWorld(t, db)
		first := w.report(t, "inspector", urban.Report{Channel: urban.ChannelInspector}).Case
		// 20 m away, same category: a candidate; another category is not.
		second := w.report(t, "inspector", urban.Report{Channel: urban.ChannelInspector, Lat: yingchengLat + 0.00018})
		other := w.report(t, "inspector", urban.Report{Channel: urban.ChannelInspector, CategoryID: "cat-cover"})
		if len(second.Duplicates) != 1 || second.Duplicates[0].ID != first.ID {
			t.Fatalf("duplicate candidates: %+v", second.Duplicates)
		}
		if len(other.Duplicates) != 0 {
			t.Fatalf("another category is no duplicate: %+v", other.Duplicates)
		}
		c := w.act(t, "operator", second.Case, urban.Input{Move: urban.MoveMerge, MergeInto: first.ID})
		if c.State != urban.StateMerged || c.MergedInto != first.ID {
			t.Fatalf("merged: %+v", c)
		}
		evs, err := w.svc.History(context.Background(), w.actors["operator"], first.ID)
		if err != nil || len(evs) != 2 || evs[1].Move != urban.MoveMerge || evs[1].Note != second.Case.Number || !evs[1].Public {
			t.Fatalf("the case merged into records its duplicate: %+v, %v", evs, err)
		}
	})
}

// jpeg is a minimal JPEG: SOI, an APP0 JFIF segment, EOI.
func jpeg(t *testing.T) []byte {
	t.Helper()
	return []byte{0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 'J', 'F', 'I', 'F', 0x00, 0x01, 0x01, 0x00, 0x00, 0x01,
		0x00, 0x01, 0x00, 0x00, 0xFF, 0xD9}
}

func TestOverdueCasesEscalateOncePerStage(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		c := w.report(t, "inspector", urban.Report{Channel: urban.ChannelInspector, Urgency: urban.UrgencyUrgent}).Case
		c = w.act(t, "operator", c, urban.Input{Move: urban.MoveFile})
		c = w.act(t, "operator", c, urban.Input{Move: urban.MoveDispatch, DepartmentID: w.units["419900-HW"].ID})
		fractions := urban.DefaultConfig().WarnAt
		if got := c.WarningLevel(w.now.Add(61*time.Minute), fractions); got != 1 {
			t.Fatalf("warning level after 61 of 120 minutes: %d, want 1", got)
		}
		if got := c.WarningLevel(w.now.Add(97*time.Minute), fractions); got != 2 {
			t.Fatalf("warning level after 97 of 120 minutes: %d, want 2", got)
		}
		if n, err := w.svc.Escalate(ctx, w.now.Add(time.Hour)); err != nil || n != 0 {
			t.Fatalf("escalation before the deadline: %d, %v", n, err)
		}
		*w.now = w.now.Add(3 * time.Hour)
		if n, err := w.svc.Escalate(ctx, *w.now); err != nil || n != 1 {
			t.Fatalf("escalation after the deadline: %d, %v", n, err)
		}
		if n, err := w.svc.Escalate(ctx, *w.now); err != nil || n != 0 {
			t.Fatalf("a second run: %d, %v", n, err)
		}
		overdue, err := w.svc.List(ctx, w.actors["shiftlead"], urban.Filter{Overdue: true})
		if err != nil || len(overdue) != 1 || overdue[0].EscalatedAt.IsZero() {
			t.Fatalf("the shift lead's overdue list: %+v, %v", overdue, err)
		}
		mine, err := w.svc.List(ctx, w.actors["dept"], urban.Filter{Overdue: true})
		if err != nil || len(mine) != 1 {
			t.Fatalf("the department's overdue list: %d, %v", len(mine), err)
		}
	})
}

func TestIndicatorsCountTheLoopByEachDimension(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		start := *w.now
		hw := w.units["419900-HW"].ID
		// One case closed on time, one reworked and closed late, one still open and
		// overdue, one rejected.
		onTime := w.report(t, "inspector", urban.Report{Channel: urban.ChannelInspector}).Case
		onTime = w.act(t, "operator", onTime, urban.Input{Move: urban.MoveFile})
		onTime = w.act(t, "operator", onTime, urban.Input{Move: urban.MoveDispatch, DepartmentID: hw})
		late := w.report(t, "inspector", urban.Report{Channel: urban.ChannelInspector, CategoryID: "cat-cover"}).Case
		late = w.act(t, "operator", late, urban.Input{Move: urban.MoveFile})
		late = w.act(t, "operator", late, urban.Input{Move: urban.MoveDispatch, DepartmentID: hw})
		open := w.report(t, "inspector", urban.Report{Channel: urban.ChannelInspector, Description: "另一处"}).Case
		open = w.act(t, "operator", open, urban.Input{Move: urban.MoveFile})
		w.act(t, "operator", open, urban.Input{Move: urban.MoveDispatch, DepartmentID: hw})
		rejected := w.report(t, "inspector", urban.Report{Channel: urban.ChannelInspector, Description: "不属于城管"}).Case
		w.act(t, "operator", rejected, urban.Input{Move: urban.MoveReject, Note: "非管辖范围"})

		onTime = w.act(t, "dept", onTime, urban.Input{Move: urban.MoveHandle, Note: "已清运"})
		onTime = w.act(t, "inspector", onTime, urban.Input{Move: urban.MoveVerify})
		w.act(t, "operator", onTime, urban.Input{Move: urban.MoveClose})
		late = w.act(t, "dept", late, urban.Input{Move: urban.MoveHandle, Note: "已处理"})
		late = w.act(t, "inspector", late, urban.Input{Move: urban.MoveRework, Note: "未修好"})
		*w.now = w.now.Add(15 * 24 * time.Hour) // well past the two working days
		late = w.act(t, "dept", late, urban.Input{Move: urban.MoveHandle, Note: "已更换井盖"})
		late = w.act(t, "inspector", late, urban.Input{Move: urban.MoveVerify})
		w.act(t, "operator", late, urban.Input{Move: urban.MoveClose})
		// Dispatched now, due in two working days: within the period, not late yet.
		fresh := w.report(t, "inspector", urban.Report{Channel: urban.ChannelInspector, Description: "新发现"}).Case
		fresh = w.act(t, "operator", fresh, urban.Input{Move: urban.MoveFile})
		w.act(t, "operator", fresh, urban.Input{Move: urban.MoveDispatch, DepartmentID: hw})

		from, to := start.Add(-time.Hour), start.Add(30*24*time.Hour)
		rep, err := w.svc.Indicators(ctx, w.actors["supervisor"], urban.ByDepartment, from, to)
		if err != nil {
			t.Fatal(err)
		}
		want := urban.Counts{Reported: 5, Valid: 4, Filed: 4, Dispatched: 4, DueForClosure: 4, Closed: 2, ClosedOnTime: 1,
			DueForHandling: 4, Handled: 2, Late: 2, Reworked: 1}
		if rep.Total != want {
			t.Fatalf("totals:\n got %+v\nwant %+v", rep.Total, want)
		}
		if len(rep.Groups) != 1 || rep.Groups[0].Key != hw || rep.Groups[0].Name != "示范市环境卫生管理处" {
			t.Fatalf("department groups: %+v", rep.Groups)
		}
		ind := rep.Total.Indicators()
		if ind[3].Key != "closure_rate" || ind[3].Num != 2 || ind[3].Den != 4 || ind[3].Value != 50 {
			t.Fatalf("closure rate: %+v", ind[3])
		}
		for _, d := range []urban.Dimension{urban.ByStreet, urban.ByDistrict, urban.ByGrid, urban.ByInspector} {
			rep, err := w.svc.Indicators(ctx, w.actors["supervisor"], d, from, to)
			if err != nil || len(rep.Groups) != 1 || rep.Groups[0].Counts.Reported != 5 {
				t.Fatalf("by %s: %+v, %v", d, rep.Groups, err)
			}
		}
		rep, _ = w.svc.Indicators(ctx, w.actors["supervisor"], urban.ByStreet, from, to)
		if rep.Groups[0].Name != "建设路街道" {
			t.Fatalf("street name: %+v", rep.Groups[0])
		}
		if _, err := w.svc.Indicators(ctx, w.actors["supervisor"], urban.ByStreet, to, from); !apperr.Is(err, apperr.Invalid) {
			t.Fatalf("a backwards period: %v", err)
		}
	})
}

func TestAResidentReopensAClosedCaseWithinThePeriod(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		rc := w.report(t, "", urban.Report{Channel: urban.ChannelResident, ReporterKey: "form:x"})
		c := w.act(t, "operator", rc.Case, urban.Input{Move: urban.MoveFile})
		c = w.act(t, "operator", c, urban.Input{Move: urban.MoveDispatch, DepartmentID: w.units["419900-HW"].ID})
		c = w.act(t, "dept", c, urban.Input{Move: urban.MoveHandle, Note: "已清运"})
		c = w.act(t, "inspector", c, urban.Input{Move: urban.MoveVerify})
		c = w.act(t, "operator", c, urban.Input{Move: urban.MoveClose})
		if _, err := w.svc.Reopen(ctx, c.Number, "wrong", "又脏了"); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("a wrong secret: %v", err)
		}
		if _, err := w.svc.Reopen(ctx, c.Number, rc.Tracking, ""); !apperr.Is(err, apperr.Invalid) {
			t.Fatalf("no reason: %v", err)
		}
		got, err := w.svc.Reopen(ctx, c.Number, rc.Tracking, "又有垃圾了")
		if err != nil || got.State != urban.StateFiled || got.Reopens != 1 {
			t.Fatalf("reopened: %+v, %v", got, err)
		}
	})
}

func TestOpenDeadlinesMoveWhenTheCalendarChanges(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		w := newWorld(t, db)
		ctx := context.Background()
		c := w.report(t, "inspector", urban.Report{Channel: urban.ChannelInspector}).Case
		c = w.act(t, "operator", c, urban.Input{Move: urban.MoveFile})
		c = w.act(t, "operator", c, urban.Input{Move: urban.MoveDispatch, DepartmentID: w.units["419900-HW"].ID})
		if got := c.HandleDue.In(calendar.Location()).Format("2006-01-02"); got != "2026-10-10" {
			t.Fatalf("handling deadline before: ends %s", got)
		}
		// The city learns of an extra day off on Friday 2026-10-09.
		var recomputed int
		w.cal.OnChange(func(ctx context.Context) { recomputed++ })
		var y2026 calendar.Year
		for _, y := range calendar.OfficialYears() {
			if y.Year == 2026 {
				y2026 = y
			}
		}
		d, _ := calendar.ParseDate("2026-10-09")
		y2026.Off = append(y2026.Off, calendar.Entry{Date: d, Name: "国庆节"})
		if err := w.cal.SetYear(ctx, w.actors["admin"], y2026); err != nil {
			t.Fatal(err)
		}
		if recomputed != 1 {
			t.Fatalf("the calendar told its listeners %d times", recomputed)
		}
		changed, skipped, err := w.svc.RecomputeDeadlines(ctx)
		if err != nil || changed != 1 || skipped != 0 {
			t.Fatalf("recompute: %d changed, %d skipped, %v", changed, skipped, err)
		}
		got, err := w.svc.Get(ctx, w.actors["operator"], c.ID)
		if err != nil {
			t.Fatal(err)
		}
		// 10-08, then Saturday 10-10, a make-up working day (调休上班) of the 2026 notice.
		if d := got.HandleDue.In(calendar.Location()).Format("2006-01-02"); d != "2026-10-11" || !got.StageDue.Equal(got.HandleDue) {
			t.Fatalf("handling deadline after: ends %s", d)
		}
		if changed, _, _ := w.svc.RecomputeDeadlines(ctx); changed != 0 {
			t.Fatalf("a second run changed %d cases", changed)
		}
	})
}
