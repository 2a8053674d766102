package storage_test

import (
	"context"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"chengguan/internal/identity"
	"chengguan/internal/ids"
	"chengguan/internal/ledger"
	"chengguan/internal/storage"
	"chengguan/internal/storage/storagetest"
	"chengguan/internal/urban"
)

// importCases stores n cases, one a minute, with states in turn from states.
func importCases(t *testing.T, s *storage.UrbanStore, n int, states []urban.State, t0 time.Time) []urban.Case {
	t.Helper()
	var cases []urban.Case
	var evs [][]urban.Event
	for i := range n {
		at := t0.Add(time.Duration(i) * time.Minute)
		c := urban.Case{ID: ids.New(), Version: 1, Channel: urban.ChannelInspector, CategoryID: "cat", Category: "0102",
			Urgency: urban.UrgencyNormal, Description: fmt.Sprintf("case %d", i), GridCode: "419901001001001",
			GridVersion: 1, UnitID: "u", UnitPath: "/c/u/", State: states[i%len(states)], ReportedAt: at, UpdatedAt: at,
			ReporterKey: "test", StageStarted: at, StageDue: at.Add(time.Duration(n-i) * time.Hour)}
		cases = append(cases, c)
		evs = append(evs, nil)
	}
	rec := func(c *urban.Case) (ledger.Record, error) {
		return ledger.Record{ID: ids.New(), At: t0, ActorID: "system", Action: "case.import",
			Subject: ledger.Subject{Kind: "case", ID: c.ID}}, nil
	}
	if err := s.ImportCases(context.Background(), cases, evs, rec); err != nil {
		t.Fatal(err)
	}
	return cases
}

func TestCaseListsOfSeveralStatesPageInOrder(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		s := storage.NewUrbanStore(db)
		t0 := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
		all := importCases(t, s, 40, []urban.State{urban.StateReported, urban.StateFiled, urban.StateClosed, urban.StateDispatched}, t0)
		// wantPages lists by f page after page (keyset), then one page by offset, and
		// compares both with want, the IDs of all newest first that keep says.
		wantPages := func(what string, f urban.Filter, keep func(urban.Case) bool) {
			t.Helper()
			var want, got []string
			for i := len(all) - 1; i >= 0; i-- {
				if keep(all[i]) {
					want = append(want, all[i].ID)
				}
			}
			for {
				page, err := s.ListCases(ctx, f)
				if err != nil {
					t.Fatal(err)
				}
				for _, c := range page {
					got = append(got, c.ID)
				}
				if len(page) < f.Limit {
					break
				}
				f.After = page[len(page)-1].ID
			}
			if !slices.Equal(got, want) {
				t.Fatalf("%s, keyset pages:\n got %v\nwant %v", what, got, want)
			}
			f.After, f.Offset, f.Limit = "", 5, 4
			if page, err := s.ListCases(ctx, f); err != nil || len(page) != 4 || page[0].ID != want[5] || page[3].ID != want[8] {
				t.Fatalf("%s, offset page: %d cases, %v", what, len(page), err)
			}
			if n, err := s.CountCases(ctx, f); err != nil || n != len(want) {
				t.Fatalf("%s counted: %d, %v; want %d", what, n, err, len(want))
			}
		}
		wantPages("reported and dispatched", urban.Filter{States: []urban.State{urban.StateReported, urban.StateDispatched,
			urban.StateReported}, Scope: identity.Scope{All: true}, Limit: 7},
			func(c urban.Case) bool { return c.State == urban.StateReported || c.State == urban.StateDispatched })
		// Every open state (in any order, with repeats) is one scan of the open cases' index.
		var open []urban.State
		for _, st := range slices.Backward(urban.States()) {
			if !st.Terminal() {
				open = append(open, st, st)
			}
		}
		wantPages("open cases", urban.Filter{States: open, Scope: identity.Scope{All: true}, Limit: 7, Public: true},
			func(c urban.Case) bool { return !c.State.Terminal() })
		// The overdue list: most overdue first.
		over, err := s.ListCases(ctx, urban.Filter{Overdue: true, Now: t0.Add(1000 * time.Hour), Scope: identity.Scope{All: true}, Limit: 3})
		if err != nil || len(over) != 3 || !over[0].StageDue.Before(over[1].StageDue) {
			t.Fatalf("overdue: %+v, %v", over, err)
		}
	})
}

// countCase is the indicators' definition of each count (urban.Counts), case by case:
// the reference the grouped scan of case_facts must agree with.
func countCase(c *urban.Case, from, to, now time.Time) urban.Counts {
	in := func(x time.Time) bool { return !x.IsZero() && !x.Before(from) && x.Before(to) }
	before := func(x, y time.Time) bool { return !x.IsZero() && x.Before(y) }
	b := func(ok bool) int {
		if ok {
			return 1
		}
		return 0
	}
	lateBy := to
	if now.Before(to) {
		lateBy = now
	}
	var k urban.Counts
	k.Reported = b(in(c.ReportedAt))
	k.Valid = b(in(c.ReportedAt) && !c.FiledAt.IsZero())
	k.Filed = b(in(c.FiledAt))
	k.Dispatched = b(in(c.DispatchedAt))
	dueClose := in(c.HandleDue) || in(c.ClosedAt)
	k.DueForClosure = b(dueClose)
	k.Closed = b(dueClose && before(c.ClosedAt, to))
	k.ClosedOnTime = b(dueClose && before(c.ClosedAt, to) && !c.HandledAt.IsZero() && !c.HandleDue.IsZero() &&
		!c.HandledAt.After(c.HandleDue))
	dueHandle := in(c.HandleDue) || in(c.HandledAt)
	k.DueForHandling = b(dueHandle)
	k.Handled = b(dueHandle && before(c.HandledAt, to))
	k.Late = b(dueHandle && !c.HandleDue.IsZero() && ((!c.HandledAt.IsZero() && c.HandledAt.After(c.HandleDue)) ||
		(c.HandledAt.IsZero() && c.HandleDue.Before(lateBy))))
	k.Reworked = b(in(c.DispatchedAt) && c.Reworks > 0)
	k.Extended = b(in(c.DispatchedAt) && c.Extensions > 0)
	return k
}

func TestIndicatorCountsAgreeWithACaseByCaseCountOverAnyPeriod(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		s := storage.NewUrbanStore(db)
		shanghai := time.FixedZone("CST", 8*3600)
		t0 := time.Date(2026, 3, 1, 0, 0, 0, 0, shanghai)
		r := rand.New(rand.NewPCG(7, 11))
		// Cases over 70 days whose instants lie hours to weeks apart, so that a case has
		// rows in one to several buckets and periods cut through them anywhere.
		// The two communities, under two streets: a scope is resolved through the units.
		communities := []string{ids.New(), ids.New()}
		paths := []string{"/c/s1/" + communities[0] + "/", "/c/s2/" + communities[1] + "/"}
		if err := db.Transact(ctx, func(q storage.Querier) error {
			for i, id := range communities {
				if _, err := q.ExecContext(ctx, `INSERT INTO units (id, code, name, kind, path, created_at, updated_at)
					VALUES ($1, $2, $3, 'community', $4, 0, 0)`, id, fmt.Sprint("u", i), fmt.Sprint("社区", i), paths[i]); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		cases := importCases(t, s, 240, []urban.State{urban.StateReported}, t0)
		span := func(max time.Duration) time.Duration { return time.Duration(r.Int64N(int64(max))) }
		for i := range cases {
			c := &cases[i]
			c.ReportedAt = t0.Add(span(70 * 24 * time.Hour)).UTC().Truncate(time.Millisecond)
			c.Channel = []urban.Channel{urban.ChannelInspector, urban.ChannelHotline}[r.IntN(2)]
			c.UnitID, c.UnitPath = communities[i%2], paths[i%2]
			c.GridCode = fmt.Sprintf("41990100100100%d", r.IntN(4))
			c.ReporterID = []string{"insp-a", "insp-b"}[r.IntN(2)]
			at := c.ReportedAt
			stage := r.IntN(7)
			if stage >= 1 {
				at = at.Add(span(30 * time.Hour))
				c.FiledAt = at
			}
			if stage >= 2 {
				at = at.Add(span(30 * time.Hour))
				c.DispatchedAt, c.DepartmentID, c.DepartmentPath = at, []string{"d1", "d2", "d3"}[r.IntN(3)], "/c/d/"
				c.HandleDue = at.Add(span(12 * 24 * time.Hour))
				c.Reworks, c.Extensions = r.IntN(2), r.IntN(2)
			}
			if stage >= 3 {
				at = at.Add(span(14 * 24 * time.Hour))
				c.HandledAt = at
			}
			if stage >= 4 {
				c.ClosedAt = at.Add(span(9 * 24 * time.Hour))
			}
			c.Version++
			if err := s.UpdateCase(ctx, c, nil, nil, nil); err != nil {
				t.Fatal(err)
			}
		}
		// Changes that take instants away or move them: the rows follow.
		for i := 0; i < len(cases); i += 5 {
			c := &cases[i]
			if !c.ClosedAt.IsZero() {
				c.ClosedAt = time.Time{} // reopened
			} else if !c.HandleDue.IsZero() {
				c.HandleDue = c.HandleDue.Add(10 * 24 * time.Hour) // extended
				c.Extensions++
			}
			c.Version++
			if err := s.UpdateCase(ctx, c, nil, nil, nil); err != nil {
				t.Fatal(err)
			}
		}
		now := t0.Add(60 * 24 * time.Hour)
		periods := [][2]time.Time{{t0.AddDate(0, 0, -7), t0.AddDate(0, 4, 0)}} // everything
		for range 30 {
			from := t0.Add(span(100 * 24 * time.Hour))
			if r.IntN(2) == 0 { // local midnights, like the UI's months
				from = time.Date(from.Year(), from.Month(), from.Day(), 0, 0, 0, 0, shanghai)
			}
			periods = append(periods, [2]time.Time{from, from.Add(time.Hour + span(40*24*time.Hour))})
		}
		scopes := []identity.Scope{{All: true}, {Paths: []string{"/c/s2/"}}}
		for _, p := range periods {
			for _, scope := range scopes {
				for col, key := range map[string]func(*urban.Case) string{
					"department_id": func(c *urban.Case) string { return c.DepartmentID },
					"grid_code":     func(c *urban.Case) string { return c.GridCode },
					"unit_id":       func(c *urban.Case) string { return c.UnitID },
					"reporter_id":   func(c *urban.Case) string { return c.ReporterID },
				} {
					want := urban.GroupCounts{}
					for i := range cases {
						c := &cases[i]
						if !scope.Contains(c.UnitPath) && !scope.Contains(c.DepartmentPath) ||
							col == "reporter_id" && c.Channel != urban.ChannelInspector {
							continue
						}
						k := countCase(c, p[0], p[1], now)
						if k == (urban.Counts{}) {
							continue
						}
						g := want[key(c)]
						g.Add(k)
						want[key(c)] = g
					}
					got, err := s.CountBy(ctx, col, p[0], p[1], now, scope)
					if err != nil {
						t.Fatal(err)
					}
					for g, c := range got { // a group with a case in the period counts it somewhere
						if c == (urban.Counts{}) {
							delete(got, g)
						}
					}
					if !maps.Equal(got, want) {
						t.Fatalf("%s over [%s, %s) in %+v:\n got %+v\nwant %+v", col, p[0], p[1], scope, got, want)
					}
				}
			}
		}
	})
}

// Nearby finds the open cases of one category reported since a moment inside a box,
// newest first: not another category, not outside the box, not before the window, not
// a closed case.
func TestNearbyFindsOpenCasesOfTheCategoryInTheBoxAndWindow(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		s := storage.NewUrbanStore(db)
		t0 := time.Date(2026, 6, 1, 8, 0, 0, 0, time.UTC)
		add := func(name, category string, lon, lat float64, at time.Time, state urban.State) string {
			c := &urban.Case{ID: ids.New(), Version: 1, Channel: urban.ChannelInspector, CategoryID: category, Category: "0102",
				Urgency: urban.UrgencyNormal, Description: name, Lon: lon, Lat: lat, GridCode: "419901001001001",
				GridVersion: 1, UnitID: "u", UnitPath: "/c/u/", State: state, ReportedAt: at, UpdatedAt: at, ReporterKey: "test"}
			ev := urban.Event{ID: ids.New(), CaseID: c.ID, At: at, Move: urban.MoveReport, To: urban.StateReported, Public: true}
			if err := s.CreateCase(ctx, c, urban.Contact{}, ev, nil, nil); err != nil {
				t.Fatal(err)
			}
			return name
		}
		const lon, lat, d = 113.2, 33.75, 0.0005
		want := []string{
			add("older, inside", "cat", lon+d/2, lat, t0.Add(time.Hour), urban.StateFiled),
			add("newest, inside", "cat", lon, lat-d/2, t0.Add(3*time.Hour), urban.StateReported),
		}
		add("another category", "other", lon, lat, t0.Add(2*time.Hour), urban.StateReported)
		add("east of the box", "cat", lon+2*d, lat, t0.Add(2*time.Hour), urban.StateReported)
		add("north of the box", "cat", lon, lat+2*d, t0.Add(2*time.Hour), urban.StateReported)
		add("before the window", "cat", lon, lat, t0.Add(-time.Minute), urban.StateReported)
		add("closed", "cat", lon, lat, t0.Add(2*time.Hour), urban.StateClosed)
		for range 30 { // many of the category elsewhere in the window
			add("elsewhere", "cat", lon+0.01, lat+0.01, t0.Add(90*time.Minute), urban.StateReported)
		}
		got, err := s.Nearby(ctx, "cat", t0, lon-d, lat-d, lon+d, lat+d, 20)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, c := range got {
			names = append(names, c.Description)
		}
		slices.Reverse(want)
		if !slices.Equal(names, want) {
			t.Fatalf("Nearby = %q, want %q", names, want)
		}
		if got, err := s.Nearby(ctx, "cat", t0, lon-d, lat-d, lon+d, lat+d, 1); err != nil || len(got) != 1 || got[0].Description != want[0] {
			t.Fatalf("Nearby with room for one = %+v, %v; want the newest", got, err)
		}
	})
}

// The open cases' list reads the partial index cases_open: the condition the store
// writes must be the index's, to the letter, or SQLite will not use it.
func TestOpenCasesIndexMatchesTheQuery(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		if db.Dialect == storage.Postgres {
			// PostgreSQL proves the implication itself; the index must exist.
			var n int
			err := db.Reader().QueryRowContext(ctx, `SELECT COUNT(*) FROM pg_indexes WHERE schemaname = current_schema()
				AND tablename = 'cases' AND indexname = 'cases_open'`).Scan(&n)
			if err != nil || n != 1 {
				t.Fatalf("cases_open: %d, %v", n, err)
			}
			return
		}
		rows, err := db.Reader().QueryContext(ctx, `EXPLAIN QUERY PLAN SELECT id FROM cases WHERE `+storage.OpenStatesSQL+
			` ORDER BY reported_at DESC, id DESC LIMIT 50`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var plan []string
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		if p := strings.Join(plan, "; "); !strings.Contains(p, "cases_open") || strings.Contains(p, "TEMP B-TREE") {
			t.Fatalf("plan of the open cases' list: %s", p)
		}
	})
}
