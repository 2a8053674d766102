package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"chengguan/internal/grid"
	"chengguan/internal/identity"
	"chengguan/internal/ids"
	"chengguan/internal/ledger"
	"chengguan/internal/urban"
	"chengguan/internal/urban/taxonomy"
)

// CaseImporter stores imported cases (storage.UrbanStore).
type CaseImporter interface {
	ImportCases(ctx context.Context, cases []urban.Case, events [][]urban.Event,
		rec func(*urban.Case) (ledger.Record, error)) error
}

// SyntheticCases generates n realistic cases of the demo city over the year before now, in
// the order they were reported (as a live system stores them, so case numbers and rows
// follow time) — categories and grid cells drawn at random, channels and outcomes in proportions a
// bureau sees (most old cases closed, some rejected, reworked, extended, late; recent
// ones spread over the open states) — and imports them in batches. The same seed gives
// the same cases. progress, when set, is called after each batch.
func SyntheticCases(ctx context.Context, idsvc *identity.Service, gsvc *grid.Service, tax *taxonomy.Service,
	store CaseImporter, n int, seed uint64, now time.Time, progress func(done int)) error {
	cats, err := tax.Enabled(ctx)
	if err != nil {
		return err
	}
	idx, version, err := gsvc.Current(ctx)
	if err != nil {
		return err
	}
	cells := idx.Cells()
	if len(cats) == 0 || len(cells) == 0 {
		return fmt.Errorf("synthetic cases need the demo catalogue and grid: run chengguan demo first")
	}
	sys := identity.System()
	communities := map[string]*identity.Unit{}
	depts := map[string]*identity.Unit{}
	for _, c := range cells {
		if _, ok := communities[c.Community.Code]; ok {
			continue
		}
		u, err := idsvc.UnitByCode(ctx, sys, c.Community.Code)
		if err != nil {
			return fmt.Errorf("community %s of the grid: %w", c.Community.Code, err)
		}
		communities[c.Community.Code] = u
	}
	for _, c := range cats {
		if _, ok := depts[c.DepartmentID]; ok || c.DepartmentID == "" {
			continue
		}
		u, err := idsvc.Unit(ctx, sys, c.DepartmentID)
		if err != nil {
			return err
		}
		depts[c.DepartmentID] = u
	}
	inspector, err := idsvc.AccountByUsername(ctx, sys, "inspector")
	if err != nil {
		return err
	}
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	const batch = 2000
	const year = 365 * 24 * time.Hour
	for done := 0; done < n; {
		m := min(batch, n-done)
		cases := make([]urban.Case, m)
		events := make([][]urban.Event, m)
		for i := range m {
			cat := cats[r.IntN(len(cats))]
			cell := cells[r.IntN(len(cells))]
			// The k-th case falls in the k-th of n equal slices of the year.
			k := float64(done+i) + r.Float64()
			reported := now.Add(-year + time.Duration(k*float64(year)/float64(n))).UTC().Truncate(time.Millisecond)
			cases[i], events[i] = synthesize(r, cat, cell, version.ID, communities[cell.Community.Code],
				depts[cat.DepartmentID], inspector.ID, reported, now)
		}
		rec := func(c *urban.Case) (ledger.Record, error) {
			d, err := ledger.Digest(c)
			if err != nil {
				return ledger.Record{}, err
			}
			return ledger.Record{ID: ids.New(), At: now.UTC().Truncate(time.Millisecond), ActorID: "system",
				Action: "case.import", Subject: ledger.Subject{Kind: "case", ID: c.ID}, After: d,
				Reason: "synthetic demo case " + c.Number}, nil
		}
		if err := store.ImportCases(ctx, cases, events, rec); err != nil {
			return err
		}
		done += m
		if progress != nil {
			progress(done)
		}
	}
	return nil
}

var channelWeights = []struct {
	c urban.Channel
	w int
}{{urban.ChannelInspector, 60}, {urban.ChannelHotline, 25}, {urban.ChannelResident, 10}, {urban.ChannelOpen311, 5}}

var descriptions = []string{"巡查发现", "市民反映", "现场存在问题，需及时处置", "影响通行", "影响市容", "存在安全隐患"}

func synthesize(r *rand.Rand, cat taxonomy.Category, cell grid.Cell, gridVersion int64, community, dept *identity.Unit,
	inspectorID string, reported, now time.Time) (urban.Case, []urban.Event) {
	w := r.IntN(100)
	ch := channelWeights[0].c
	for _, cw := range channelWeights {
		if w < cw.w {
			ch = cw.c
			break
		}
		w -= cw.w
	}
	b := cell.Geometry.Bound()
	c := urban.Case{ID: ids.New(), Version: 1, Channel: ch, CategoryID: cat.ID, Category: cat.Code,
		Urgency: urban.UrgencyNormal, Description: cat.Name + "，" + descriptions[r.IntN(len(descriptions))],
		Address: community.Name + "网格 " + cell.Code, GridCode: cell.Code, GridVersion: gridVersion,
		Lon: b.Min[0] + r.Float64()*(b.Max[0]-b.Min[0]), Lat: b.Min[1] + r.Float64()*(b.Max[1]-b.Min[1]),
		UnitID: community.ID, UnitPath: community.Path, ReportedAt: reported, State: urban.StateReported,
		UpdatedAt: reported, ReporterKey: "synthetic", StageStarted: reported, StageDue: reported.Add(2 * time.Hour)}
	if ch == urban.ChannelInspector {
		c.ReporterID = inspectorID
		c.ReporterKey = "account:" + inspectorID
	}
	evs := []urban.Event{{ID: ids.New(), CaseID: c.ID, At: reported, ActorID: c.ReporterID, Move: urban.MoveReport,
		To: urban.StateReported, Public: true}}
	step := func(m urban.Move, to urban.State, at time.Time, note string) {
		evs = append(evs, urban.Event{ID: ids.New(), CaseID: c.ID, At: at, Move: m, From: c.State, To: to, Note: note, Public: m != urban.MoveEscalate})
		c.State, c.UpdatedAt = to, at
		c.Version++
	}
	age := now.Sub(reported)
	// How far the case got: old cases mostly finished, recent ones anywhere.
	var stage int // 0 reported, 1 filed, 2 dispatched, 3 handled, 4 verified, 5 closed
	outcome := r.IntN(100)
	switch {
	case age > 30*24*time.Hour:
		stage = 5
	case age > 3*24*time.Hour:
		stage = 2 + r.IntN(4)
	default:
		stage = r.IntN(6)
	}
	t := reported.Add(time.Duration(10+r.IntN(80)) * time.Minute)
	// Each stage happens only if its time has come: no event lies in the future.
	if outcome < 6 && stage >= 1 && !t.After(now) { // 不予立案
		step(urban.MoveReject, urban.StateRejected, t, "非城市管理范围")
		c.PublicNote = "非城市管理范围"
		c.StageDue, c.StageStarted = time.Time{}, time.Time{}
		return c, evs
	}
	if outcome < 8 && stage >= 1 && !t.After(now) { // 作废
		step(urban.MoveVoid, urban.StateVoid, t, "重复录入")
		c.StageDue, c.StageStarted = time.Time{}, time.Time{}
		return c, evs
	}
	if stage >= 1 && !t.After(now) {
		step(urban.MoveFile, urban.StateFiled, t, "")
		c.FiledAt, c.StageStarted, c.StageDue = t, t, t.Add(2*time.Hour)
		t = t.Add(time.Duration(5+r.IntN(60)) * time.Minute)
	}
	if stage >= 2 && !t.After(now) {
		step(urban.MoveDispatch, urban.StateDispatched, t, "")
		c.DispatchedAt, c.DepartmentID, c.DepartmentPath = t, dept.ID, dept.Path
		c.HandleDue = t.Add(time.Duration(1+r.IntN(5)) * 24 * time.Hour)
		c.StageStarted, c.StageDue = t, c.HandleDue
		if r.IntN(100) < 3 {
			c.Extensions++
			c.HandleDue = c.HandleDue.Add(3 * 24 * time.Hour)
			c.StageDue = c.HandleDue
		}
		// Most are handled in time; one in eight late.
		span := c.HandleDue.Sub(t)
		t = t.Add(time.Duration(r.Float64() * 0.9 * float64(span)))
		if r.IntN(8) == 0 {
			t = c.HandleDue.Add(time.Duration(r.IntN(72)) * time.Hour)
		}
	}
	if stage >= 3 && !t.After(now) {
		step(urban.MoveHandle, urban.StateHandled, t, "已处置")
		c.HandledAt, c.StageStarted, c.StageDue = t, t, t.Add(4*time.Hour)
		t = t.Add(time.Duration(30+r.IntN(180)) * time.Minute)
		if r.IntN(100) < 5 { // 返工 once, then handled again
			step(urban.MoveRework, urban.StateRework, t, "处置不到位")
			c.Reworks++
			t = t.Add(time.Duration(2+r.IntN(24)) * time.Hour)
			step(urban.MoveHandle, urban.StateHandled, t, "已重新处置")
			c.HandledAt = t
			t = t.Add(time.Duration(30+r.IntN(180)) * time.Minute)
		}
	}
	if stage >= 4 && !t.After(now) {
		step(urban.MoveVerify, urban.StateVerified, t, "")
		c.VerifiedAt, c.StageDue, c.StageStarted = t, time.Time{}, time.Time{}
		t = t.Add(time.Duration(10+r.IntN(120)) * time.Minute)
	}
	if stage >= 5 && !t.After(now) {
		step(urban.MoveClose, urban.StateClosed, t, "")
		c.ClosedAt = t
	}
	// A running system escalated an open case a minute after its stage ran out.
	if at := c.StageDue.Add(time.Minute); c.Open() && !c.StageDue.IsZero() && !at.After(now) {
		step(urban.MoveEscalate, c.State, at, "")
		c.EscalatedAt = at
	}
	return c, evs
}
