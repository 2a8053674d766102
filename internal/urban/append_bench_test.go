package urban_test

import (
	"context"
	"testing"
	"time"

	"chengguan/internal/identity"
	"chengguan/internal/ids"
	"chengguan/internal/ledger"
	"chengguan/internal/storage"
	"chengguan/internal/storage/storagetest"
	"chengguan/internal/urban"
)

// noCaseLedger is a case store that stores no ledger records: the service still
// builds them (the digests of the case before and after), so the difference to the
// real store is what the database spends on the append.
type noCaseLedger struct{ urban.Store }

func (s noCaseLedger) CreateCase(ctx context.Context, c *urban.Case, contact urban.Contact, ev urban.Event,
	atts []urban.Attachment, _ []ledger.Record) error {
	return s.Store.CreateCase(ctx, c, contact, ev, atts, nil)
}

func (s noCaseLedger) UpdateCase(ctx context.Context, c *urban.Case, evs []urban.Event, atts []urban.Attachment,
	_ []ledger.Record) error {
	return s.Store.UpdateCase(ctx, c, evs, atts, nil)
}

// BenchmarkMoveAppendOverhead is issue 3's bar for the closed loop's everyday state
// change: a case moved by Service.Act (the case read, the move checked and permitted,
// the new stage's deadline computed through the calendar, the record built, the case,
// its facts and its event stored) with and without its ledger append, alternately (the
// medians of each, as BenchmarkServiceAppendOverhead in internal/storage). The moves are
// 处置反馈 by the department and 返工 by the inspector, in turn, on 400 cases. Add
// "build-record" (two digests of the case) to the difference for the whole cost.
func BenchmarkMoveAppendOverhead(b *testing.B) {
	storagetest.EachB(b, func(b *testing.B, db *storage.DB) {
		ctx := context.Background()
		w := newWorld(b, db)
		d := w.deps
		d.Store = noCaseLedger{d.Store}
		without := urban.NewService(d)
		var cases [2][]string
		for i := range 400 {
			rc, err := w.svc.Submit(ctx, w.actors["inspector"], urban.Report{Channel: urban.ChannelInspector,
				CategoryID: "cat-litter", Description: "路边暴露垃圾一堆", Lon: yingchengLon, Lat: yingchengLat})
			if err != nil {
				b.Fatal(err)
			}
			for _, step := range []struct {
				who string
				in  urban.Input
			}{{"operator", urban.Input{Move: urban.MoveFile}},
				{"shiftlead", urban.Input{Move: urban.MoveDispatch, DepartmentID: w.units["419900-HW"].ID}}} {
				if _, err := w.svc.Act(ctx, w.actors[step.who], rc.Case.ID, step.in); err != nil {
					b.Fatal(err)
				}
			}
			cases[i%2] = append(cases[i%2], rc.Case.ID)
		}
		// move takes the i-th case of a side one step on: handled if it is not, back
		// to rework if it is.
		move := func(svc *urban.Service, side int) func(int) error {
			return func(i int) error {
				i-- // Paired counts from 1
				id := cases[side][(i/2)%len(cases[side])]
				in, who := urban.Input{Move: urban.MoveHandle, Note: "已清运"}, "dept"
				if i%2 == 1 {
					in, who = urban.Input{Move: urban.MoveRework, Note: "现场仍有垃圾，返工"}, "inspector"
				}
				_, err := svc.Act(ctx, w.actors[who], id, in)
				return err
			}
		}
		// Each side moves its own cases: handled, then reworked, then handled…
		b.Run("move", func(b *testing.B) { storagetest.Paired(b, move(without, 0), move(w.svc, 1)) })
		b.Run("build-record", func(b *testing.B) {
			c, err := w.svc.Get(ctx, w.actors["operator"], cases[0][0])
			if err != nil {
				b.Fatal(err)
			}
			after := *c
			after.State, after.Version = urban.StateHandled, c.Version+1
			for b.Loop() {
				if _, err := identity.ChangeRecord(ids.New(), time.Now(), w.actors["dept"], identity.ActCaseHandle, c.Resource(),
					ledger.Subject{Kind: "case", ID: c.ID}, *c, after); err != nil {
					b.Fatal(err)
				}
			}
		})
	})
}
