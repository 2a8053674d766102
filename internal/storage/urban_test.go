package storage_test

import (
	"context"
	"fmt"
	"slices"
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
		var want []string
		for i := len(all) - 1; i >= 0; i-- {
			if all[i].State == urban.StateReported || all[i].State == urban.StateDispatched {
				want = append(want, all[i].ID)
			}
		}
		f := urban.Filter{States: []urban.State{urban.StateReported, urban.StateDispatched, urban.StateReported},
			Scope: identity.Scope{All: true}, Limit: 7}
		var got []string
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
			t.Fatalf("keyset pages:\n got %v\nwant %v", got, want)
		}
		f.After, f.Offset, f.Limit = "", 5, 4
		page, err := s.ListCases(ctx, f)
		if err != nil || len(page) != 4 || page[0].ID != want[5] || page[3].ID != want[8] {
			t.Fatalf("offset page: %d cases, %v", len(page), err)
		}
		// The overdue list: most overdue first.
		over, err := s.ListCases(ctx, urban.Filter{Overdue: true, Now: t0.Add(1000 * time.Hour), Scope: identity.Scope{All: true}, Limit: 3})
		if err != nil || len(over) != 3 || !over[0].StageDue.Before(over[1].StageDue) {
			t.Fatalf("overdue: %+v, %v", over, err)
		}
	})
}
