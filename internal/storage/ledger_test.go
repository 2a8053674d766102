package storage_test

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"chengguan/internal/apperr"
	"chengguan/internal/identity"
	"chengguan/internal/ids"
	"chengguan/internal/ledger"
	"chengguan/internal/storage"
	"chengguan/internal/storage/storagetest"
	"chengguan/internal/urban"
)

func benchRecord(at time.Time, i int) ledger.Record {
	before, _ := ledger.Digest(map[string]any{"status": "active", "n": i})
	after, _ := ledger.Digest(map[string]any{"status": "disabled", "n": i})
	return ledger.Record{ID: ids.New(), At: at, ActorID: ids.New(), Role: "admin", UnitID: ids.New(),
		Action: "account.disable", Subject: ledger.Subject{Kind: "account", ID: ids.New()},
		Before: before, After: after, Reason: fmt.Sprintf("离职交接 %d", i)}
}

// fillLedger seals n records in memory and inserts them in one transaction,
// in multi-row INSERTs: the fast way to a large ledger for a benchmark.
func fillLedger(tb testing.TB, db *storage.DB, n int) ledger.Head {
	tb.Helper()
	// 100 rows × 14 columns: SQLite looks up "$N" parameters by name, in time
	// that grows with their number, so larger statements are slower.
	const batch = 100
	ctx := context.Background()
	var head ledger.Head
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	err := db.Transact(ctx, func(q storage.Querier) error {
		for done := 0; done < n; {
			k := min(batch, n-done)
			var sql strings.Builder
			sql.WriteString(`INSERT INTO ledger (seq, id, at, actor_id, role, unit_id, action, subject_kind, subject_id,
				before_digest, after_digest, reason, prev_hash, hash) VALUES `)
			args := make([]any, 0, 14*k)
			for j := range k {
				r, err := ledger.Seal(head, benchRecord(at.Add(time.Duration(done+j)*time.Second), done+j))
				if err != nil {
					return err
				}
				head = r.Head()
				if j > 0 {
					sql.WriteString(", ")
				}
				sql.WriteString("(")
				for c := range 14 {
					if c > 0 {
						sql.WriteString(", ")
					}
					fmt.Fprintf(&sql, "$%d", len(args)+c+1)
				}
				sql.WriteString(")")
				args = append(args, r.Seq, r.ID, r.At.UnixMilli(), r.ActorID, r.Role, r.UnitID, r.Action,
					r.Subject.Kind, r.Subject.ID, r.Before, r.After, r.Reason, r.PrevHash, r.Hash)
			}
			if _, err := q.ExecContext(ctx, sql.String(), args...); err != nil {
				return err
			}
			done += k
		}
		return nil
	})
	if err != nil {
		tb.Fatalf("fill ledger: %v", err)
	}
	return head
}

func TestLedgerStreamsRecordsInOrderAndKeepsCheckpoints(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		s := storage.NewLedgerStore(db)
		if h, err := s.Head(ctx); err != nil || h != (ledger.Head{}) {
			t.Fatalf("head of an empty ledger: %+v, %v", h, err)
		}
		at := time.Date(2026, 5, 1, 8, 0, 0, 0, time.UTC)
		var want []ledger.Record
		for i := range 20 {
			r, err := s.Append(ctx, benchRecord(at.Add(time.Duration(i)*time.Second), i))
			if err != nil {
				t.Fatal(err)
			}
			want = append(want, r)
		}
		var got []ledger.Record
		for r, err := range s.Records(ctx) {
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, r)
		}
		if !slices.Equal(got, want) {
			t.Fatalf("records streamed differ from those appended:\n got %+v\nwant %+v", got, want)
		}
		key, err := ledger.GenerateKey()
		if err != nil {
			t.Fatal(err)
		}
		c, err := ledger.NewCheckpoint(key, want[19].Head(), at)
		if err != nil {
			t.Fatal(err)
		}
		for range 2 { // the second save of the same seq is a no-op
			if err := s.SaveCheckpoint(ctx, c); err != nil {
				t.Fatal(err)
			}
		}
		stored, err := s.Checkpoints(ctx)
		if err != nil || len(stored) != 1 {
			t.Fatalf("stored checkpoints: %d, %v; want 1", len(stored), err)
		}
		sum, err := ledger.Verify(s.Records(ctx), ledger.Options{Checkpoints: stored, Keys: []ed25519.PublicKey{key.Public().(ed25519.PublicKey)}})
		if err != nil || sum.Records != 20 || sum.Checkpoints != 1 {
			t.Fatalf("verify the stored ledger: %+v, %v", sum, err)
		}
	})
}

// ledgerBenchRecords is the size of the ledger BenchmarkLedgerVerifyFromDB reads.
const ledgerBenchRecords = 200_000

// BenchmarkLedgerVerifyFromDB measures chengguan ledger verify's loop: the
// ledger table read by LedgerStore.Records into ledger.Verify, with a
// checkpoint at the head. Filling the ledger is not timed. Beside the wall
// clock it reports the process's CPU time per record, which a busy machine
// disturbs less.
func BenchmarkLedgerVerifyFromDB(b *testing.B) {
	for _, store := range []struct {
		name string
		open func(testing.TB) *storage.DB
	}{{"sqlite", storagetest.OpenSQLite}, {"postgres", openPostgresAs(benchApp)}} {
		b.Run(store.name, func(b *testing.B) {
			db := store.open(b)
			head := fillLedger(b, db, ledgerBenchRecords)
			if db.Dialect == storage.Postgres {
				// What autovacuum does to a real ledger soon after it grows:
				// without statistics the planner sorts each span instead of
				// reading it in the order of the primary key.
				if err := db.Transact(context.Background(), func(q storage.Querier) error {
					_, err := q.ExecContext(context.Background(), `ANALYZE ledger`)
					return err
				}); err != nil {
					b.Fatal(err)
				}
			}
			key, err := ledger.GenerateKey()
			if err != nil {
				b.Fatal(err)
			}
			c, err := ledger.NewCheckpoint(key, head, time.Now())
			if err != nil {
				b.Fatal(err)
			}
			opts := ledger.Options{Checkpoints: []ledger.Checkpoint{c}, Keys: []ed25519.PublicKey{key.Public().(ed25519.PublicKey)}}
			s := storage.NewLedgerStore(db)
			ctx := context.Background()
			// One untimed pass opens the readers' connections, whose server
			// processes serverCPU then finds.
			if _, err := ledger.Verify(s.Records(ctx), opts); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			cpu := processCPU()
			server, serverOK := serverCPU(ctx, db, benchApp)
			for b.Loop() {
				sum, err := ledger.Verify(s.Records(ctx), opts)
				if err != nil || sum.Records != ledgerBenchRecords {
					b.Fatalf("verify: %+v, %v", sum, err)
				}
			}
			b.ReportMetric(float64(ledgerBenchRecords)*float64(b.N)/b.Elapsed().Seconds(), "records/s")
			// This process only; on PostgreSQL, the server's work is
			// server-cpu-ns/record, when its processes can be read.
			b.ReportMetric(float64(processCPU()-cpu)/float64(ledgerBenchRecords*b.N), "cpu-ns/record")
			if store.name == "postgres" {
				if after, ok := serverCPU(ctx, db, benchApp); ok && serverOK {
					b.ReportMetric(float64(after-server)/float64(ledgerBenchRecords*b.N), "server-cpu-ns/record")
				}
			}
		})
	}
}

// benchApp is the application_name of the benchmarks' PostgreSQL
// connections, by which serverCPU finds their server processes.
const benchApp = "chengguan-bench"

// openPostgresAs is storagetest.OpenPostgres with the connections named app.
func openPostgresAs(app string) func(testing.TB) *storage.DB {
	return func(tb testing.TB) *storage.DB {
		tb.Helper()
		dsn := storagetest.PostgresDSN(tb) + "&application_name=" + app
		ctx := context.Background()
		db, err := storage.Open(ctx, dsn)
		if err != nil {
			tb.Fatal(err)
		}
		tb.Cleanup(func() { db.Close() })
		if _, err := db.Migrate(ctx); err != nil {
			tb.Fatal(err)
		}
		return db
	}
}

// BenchmarkAppendOverhead compares a small state-change transaction (one
// UPDATE of one row) with the same transaction that also appends its ledger
// record through appendLedger, as every store does: building the record
// (two digests, three UUIDs), the head (cached, or read), ledger.Seal and the
// INSERT. The two alternate (see storagetest.Paired); ns/op is the time of one of each.
// "append-alone" is LedgerStore.Append, a transaction of its own, for
// reference. BenchmarkServiceAppendOverhead measures the same against real
// service transactions.
func BenchmarkAppendOverhead(b *testing.B) {
	storagetest.EachB(b, func(b *testing.B, db *storage.DB) {
		ctx := context.Background()
		err := db.Transact(ctx, func(q storage.Querier) error {
			if _, err := q.ExecContext(ctx, `CREATE TABLE bench_state (id INTEGER PRIMARY KEY, name TEXT NOT NULL, version INTEGER NOT NULL)`); err != nil {
				return err
			}
			_, err := q.ExecContext(ctx, `INSERT INTO bench_state (id, name, version) VALUES (1, '第一中队', 0)`)
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
		fillLedger(b, db, 10_000) // a ledger that is not empty
		update := func(q storage.Querier, i int) error {
			_, err := q.ExecContext(ctx, `UPDATE bench_state SET name = $1, version = version + 1 WHERE id = 1`, fmt.Sprintf("第%d中队", i))
			return err
		}
		at := time.Now()
		// The medians of the one-row UPDATE alone and with the append.
		b.Run("update", func(b *testing.B) {
			storagetest.Paired(b, func(i int) error {
				return db.Transact(ctx, func(q storage.Querier) error { return update(q, i) })
			}, func(i int) error {
				return db.Transact(ctx, func(q storage.Querier) error {
					if err := update(q, i); err != nil {
						return err
					}
					_, err := storage.AppendLedger(ctx, q, benchRecord(at, i))
					return err
				})
			})
		})
		b.Run("append-alone", func(b *testing.B) {
			s := storage.NewLedgerStore(db)
			i := 0
			for b.Loop() {
				i++
				if _, err := s.Append(ctx, benchRecord(at, i)); err != nil {
					b.Fatal(err)
				}
			}
		})
	})
}

// noLedger is an identity store whose AppendLedger does nothing: the service
// still builds the record (digests of the account before and after), so the
// difference to the real store is what the database spends on the append.
type noLedger struct{ identity.Store }

func (s noLedger) Atomic(ctx context.Context, fn func(ctx context.Context, tx identity.Store) error) error {
	return s.Store.Atomic(ctx, func(ctx context.Context, tx identity.Store) error { return fn(ctx, noLedger{tx}) })
}

func (noLedger) AppendLedger(context.Context, ledger.Record) error { return nil }

// BenchmarkServiceAppendOverhead runs real state changes of the identity
// service with and without their ledger append (see noLedger; add
// "build-record" to the difference for the whole cost): "rename" is UpdateAccount
// of the display name (the account read, checked and updated: one row), and
// "set-roles" is SetAssignments with two roles (the account and its units
// read; its assignments deleted and inserted, the account updated: four
// rows). A ledger of 10,000 records is there already.
func BenchmarkServiceAppendOverhead(b *testing.B) {
	storagetest.EachB(b, func(b *testing.B, db *storage.DB) {
		ctx := context.Background()
		fillLedger(b, db, 10_000)
		opts := identity.Options{Argon2: identity.Argon2Params{MemoryKiB: 64, Time: 1, Threads: 1}}
		with, err := identity.NewService(storage.NewIdentityStore(db), opts)
		if err != nil {
			b.Fatal(err)
		}
		without, err := identity.NewService(noLedger{storage.NewIdentityStore(db)}, opts)
		if err != nil {
			b.Fatal(err)
		}
		sys := identity.System()
		city, err := with.CreateUnit(ctx, sys, identity.UnitInput{Code: "3301", Name: "示范市", Kind: identity.KindCity})
		if err != nil {
			b.Fatal(err)
		}
		squad, err := with.CreateUnit(ctx, sys, identity.UnitInput{Code: "330101", Name: "第一中队", Kind: identity.KindSquad, ParentID: city.ID})
		if err != nil {
			b.Fatal(err)
		}
		acct, err := with.CreateAccount(ctx, sys, identity.AccountInput{Username: "zhang.san", DisplayName: "张三", Password: "initial-pass-1",
			Assignments: []identity.AssignmentInput{{Role: identity.RoleOfficer, UnitID: squad.ID}}})
		if err != nil {
			b.Fatal(err)
		}
		roles := [2][]identity.AssignmentInput{
			{{Role: identity.RoleOfficer, UnitID: squad.ID}, {Role: identity.RoleSquadLeader, UnitID: squad.ID}},
			{{Role: identity.RoleOfficer, UnitID: squad.ID}, {Role: identity.RoleLegalReviewer, UnitID: city.ID}},
		}
		b.Run("rename", func(b *testing.B) {
			rename := func(svc *identity.Service) func(int) error {
				return func(i int) error {
					name := fmt.Sprintf("张三%d", i)
					_, err := svc.UpdateAccount(ctx, sys, acct.ID, identity.AccountPatch{DisplayName: &name})
					return err
				}
			}
			storagetest.Paired(b, rename(without), rename(with))
		})
		// What the "without" side still spends on the ledger: the
		// service builds the record (ids.New, two digests of the
		// account) before it hands it to AppendLedger.
		b.Run("build-record", func(b *testing.B) {
			after := *acct
			after.DisplayName = "李四"
			for b.Loop() {
				if _, err := identity.ChangeRecord(ids.New(), time.Now(), sys, identity.ActAccountUpdate, identity.InUnit(squad.Path),
					ledger.Subject{Kind: "account", ID: acct.ID}, acct, &after); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("set-roles", func(b *testing.B) {
			set := func(svc *identity.Service) func(int) error {
				return func(i int) error {
					_, err := svc.SetAssignments(ctx, sys, acct.ID, roles[i%2])
					return err
				}
			}
			storagetest.Paired(b, set(without), set(with))
		})
	})
}

// BenchmarkCaseMoveAppendOverhead runs the closed loop's most frequent state
// change, a case moved from one stage to the next (UrbanStore.UpdateCase: the
// case read, updated with its indexes, its case_facts rows rewritten, the move's
// event inserted), with and without its ledger record. The "with" side also
// builds the record as the urban service does (two digests of the whole case),
// so the difference is the whole cost. 2,000 cases and a ledger of 10,000
// records are there already.
func BenchmarkCaseMoveAppendOverhead(b *testing.B) {
	storagetest.EachB(b, func(b *testing.B, db *storage.DB) {
		ctx := context.Background()
		fillLedger(b, db, 10_000)
		s := storage.NewUrbanStore(db)
		t0 := time.Date(2026, 5, 1, 8, 0, 0, 0, time.UTC)
		var cases []*urban.Case
		for i := range 2_000 {
			at := t0.Add(time.Duration(i) * time.Minute)
			c := &urban.Case{ID: ids.New(), Version: 1, Channel: urban.ChannelInspector, CategoryID: ids.New(), Category: "0102",
				Urgency: urban.UrgencyNormal, Description: "人行道上堆放建筑垃圾，影响通行", Address: "示范路 12 号",
				Lon: 113.2, Lat: 33.75, GridCode: "419901001001001", GridVersion: 1, UnitID: ids.New(), UnitPath: "/c/d/s/u/",
				DepartmentID: ids.New(), DepartmentPath: "/c/dept/", State: urban.StateDispatched, ReporterID: ids.New(),
				ReporterKey: "inspector", ReportedAt: at, UpdatedAt: at, FiledAt: at.Add(time.Minute),
				DispatchedAt: at.Add(2 * time.Minute), HandleDue: at.Add(48 * time.Hour), StageStarted: at.Add(2 * time.Minute),
				StageDue: at.Add(48 * time.Hour)}
			ev := urban.Event{ID: ids.New(), CaseID: c.ID, At: at, ActorID: c.ReporterID, Role: identity.RoleInspector,
				Move: urban.MoveReport, To: urban.StateReported, Public: true}
			if err := s.CreateCase(ctx, c, urban.Contact{}, ev, nil, nil); err != nil {
				b.Fatal(err)
			}
			cases = append(cases, c)
		}
		actor := identity.System()
		// move takes the case to the next stage and back in turn (处置 and 返工),
		// as a department and an inspector would, and stores it.
		move := func(c *urban.Case, withRecord bool) error {
			before := *c
			now := time.Now().UTC().Truncate(time.Millisecond)
			c.Version++
			c.UpdatedAt, c.StageStarted = now, now
			m, to := urban.MoveHandle, urban.StateHandled
			if c.State == urban.StateHandled {
				m, to = urban.MoveRework, urban.StateDispatched
				c.HandledAt = time.Time{}
				c.Reworks++
			} else {
				c.HandledAt = now
			}
			ev := urban.Event{ID: ids.New(), CaseID: c.ID, At: now, ActorID: ids.New(), Role: identity.RoleDepartment,
				UnitID: c.DepartmentID, Move: m, From: c.State, To: to, Note: "已清理完毕"}
			c.State = to
			var recs []ledger.Record
			if withRecord {
				rec, err := identity.ChangeRecord(ids.New(), now, actor, identity.Action("case."+string(m)), identity.InUnit(c.UnitPath),
					ledger.Subject{Kind: "case", ID: c.ID}, before, *c)
				if err != nil {
					return err
				}
				recs = []ledger.Record{rec}
			}
			return s.UpdateCase(ctx, c, []urban.Event{ev}, nil, recs)
		}
		storagetest.Paired(b, func(i int) error { return move(cases[(2*i)%len(cases)], false) },
			func(i int) error { return move(cases[(2*i+1)%len(cases)], true) })
	})
}

// openTwice opens the database at dsn with two handles, as two processes
// would, migrated and closed at the end of the test.
func openTwice(t *testing.T, dsn string) (*storage.DB, *storage.DB) {
	t.Helper()
	ctx := context.Background()
	var dbs [2]*storage.DB
	for i := range dbs {
		db, err := storage.Open(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		if _, err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		dbs[i] = db
	}
	return dbs[0], dbs[1]
}

// wantChain verifies the whole ledger and checks its length.
func wantChain(t *testing.T, db *storage.DB, n int64) {
	t.Helper()
	sum, err := ledger.Verify(storage.NewLedgerStore(db).Records(context.Background()), ledger.Options{})
	if err != nil || sum.Records != n {
		t.Fatalf("verify: %+v, %v; want %d sound records", sum, err, n)
	}
}

func TestLedgerAppendAfterARolledBackAppendChainsOnTheCommittedHead(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		s := storage.NewLedgerStore(db)
		at := time.Date(2026, 5, 1, 8, 0, 0, 0, time.UTC)
		first, err := s.Append(ctx, benchRecord(at, 1))
		if err != nil {
			t.Fatal(err)
		}
		boom := errors.New("the state change fails after its append")
		var lost ledger.Record
		err = db.Transact(ctx, func(q storage.Querier) error {
			var err error
			if lost, err = storage.AppendLedger(ctx, q, benchRecord(at, 2)); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) || lost.Seq != 2 {
			t.Fatalf("rolled-back transaction: %v, appended seq %d", err, lost.Seq)
		}
		next, err := s.Append(ctx, benchRecord(at, 3))
		if err != nil {
			t.Fatal(err)
		}
		if next.Seq != 2 || next.PrevHash != first.Hash {
			t.Fatalf("after the rollback: seq %d on %s; want seq 2 on record 1 (%s)", next.Seq, next.PrevHash, first.Hash)
		}
		wantChain(t, db, 2)
	})
}

func TestLedgerAppendsInOneTransactionChainOnEachOther(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		at := time.Date(2026, 5, 1, 8, 0, 0, 0, time.UTC)
		var got []ledger.Record
		for range 2 {
			err := db.Transact(ctx, func(q storage.Querier) error {
				for i := range 3 {
					r, err := storage.AppendLedger(ctx, q, benchRecord(at, i))
					if err != nil {
						return err
					}
					got = append(got, r)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		for i, r := range got {
			if r.Seq != int64(i+1) || (i > 0 && r.PrevHash != got[i-1].Hash) {
				t.Fatalf("record %d: seq %d on %s", i, r.Seq, r.PrevHash)
			}
		}
		wantChain(t, db, 6)
	})
}

// The head a process keeps in memory is only a hint: another process's
// appends, and records gone from the end (a database restored from an older
// backup), make the next append read the head from the database, never fork
// the chain or leave a gap.
func TestLedgerAppendFollowsTheDatabaseHeadWhateverAnotherProcessDid(t *testing.T) {
	storagetest.EachDSN(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		db1, db2 := openTwice(t, dsn)
		s1, s2 := storage.NewLedgerStore(db1), storage.NewLedgerStore(db2)
		at := time.Date(2026, 5, 1, 8, 0, 0, 0, time.UTC)
		appendOn := func(s *storage.LedgerStore, i int) ledger.Record {
			t.Helper()
			r, err := s.Append(ctx, benchRecord(at, i))
			if err != nil {
				t.Fatal(err)
			}
			return r
		}
		appendOn(s1, 1)
		appendOn(s2, 2)
		last := appendOn(s2, 3)
		if r := appendOn(s1, 4); r.Seq != 4 || r.PrevHash != last.Hash {
			t.Fatalf("after another process appended: seq %d on %s; want 4 on %s", r.Seq, r.PrevHash, last.Hash)
		}
		for i := 5; i <= 8; i++ {
			appendOn(s1, i)
		}
		// Records 6–8 vanish behind the first process's back.
		if err := db2.Transact(ctx, func(q storage.Querier) error {
			_, err := q.ExecContext(ctx, `DELETE FROM ledger WHERE seq >= 6`)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		head, err := s2.Head(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if r := appendOn(s1, 9); r.Seq != 6 || r.PrevHash != head.Hash {
			t.Fatalf("after the newest records went: seq %d on %s; want 6 on %s", r.Seq, r.PrevHash, head.Hash)
		}
		wantChain(t, db1, 6)
	})
}

func TestLedgerConcurrentAppendsFromTwoProcessesFormOneChain(t *testing.T) {
	storagetest.EachDSN(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		db1, db2 := openTwice(t, dsn)
		at := time.Date(2026, 5, 1, 8, 0, 0, 0, time.UTC)
		const each = 20
		errs := make(chan error, 4)
		for w := range 4 {
			s := storage.NewLedgerStore([2]*storage.DB{db1, db2}[w%2])
			go func() {
				for i := range each {
					if _, err := s.Append(ctx, benchRecord(at, w*each+i)); err != nil {
						errs <- err
						return
					}
				}
				errs <- nil
			}()
		}
		for range 4 {
			if err := <-errs; err != nil {
				t.Fatal(err)
			}
		}
		wantChain(t, db1, 4*each)
	})
}

// Records reads the ledger in spans, two at a time; the chain it yields is
// the whole table in seq order, across span boundaries, below seq 1 and
// above the head.
func TestLedgerRecordsReadsEveryRowInOrderAcrossSpans(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		n := storage.LedgerSpan + 100
		fillLedger(t, db, n)
		s := storage.NewLedgerStore(db)
		wantChain(t, db, int64(n))
		tamper := func(stmts ...string) {
			t.Helper()
			if err := db.Transact(ctx, func(q storage.Querier) error {
				for _, st := range stmts {
					if _, err := q.ExecContext(ctx, st); err != nil {
						return err
					}
				}
				return nil
			}); err != nil {
				t.Fatal(err)
			}
		}
		wantBad := func(kind ledger.Kind, seq int64) {
			t.Helper()
			_, err := ledger.Verify(s.Records(ctx), ledger.Options{})
			var bad *ledger.Error
			if !errors.As(err, &bad) || bad.Kind != kind || bad.Seq != seq {
				t.Fatalf("verify: %v; want %s at record %d", err, kind, seq)
			}
		}
		edge := int64(storage.LedgerSpan) // the last seq of the first span
		swap := fmt.Sprintf(`UPDATE ledger SET seq = -1 WHERE seq = %d`, edge)
		tamper(swap, fmt.Sprintf(`UPDATE ledger SET seq = %d WHERE seq = %d`, edge, edge+1), fmt.Sprintf(`UPDATE ledger SET seq = %d WHERE seq = -1`, edge+1))
		wantBad(ledger.Reordered, edge)
		tamper(swap, fmt.Sprintf(`UPDATE ledger SET seq = %d WHERE seq = %d`, edge, edge+1), fmt.Sprintf(`UPDATE ledger SET seq = %d WHERE seq = -1`, edge+1))
		wantChain(t, db, int64(n))

		tamper(`UPDATE ledger SET seq = -7 WHERE seq = 1`) // moved below the first seq: read first
		wantBad(ledger.Malformed, -7)
		tamper(`UPDATE ledger SET seq = 1 WHERE seq = -7`, fmt.Sprintf(`UPDATE ledger SET seq = %d WHERE seq = %d`, 1<<40, edge+5))
		wantBad(ledger.Deleted, edge+5) // moved far beyond the head: missing where it was
	})
}

func TestLedgerRecordsStopsWhenTheConsumerStopsOrTheContextEnds(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		fillLedger(t, db, storage.LedgerSpan+100)
		s := storage.NewLedgerStore(db)
		n := 0
		for _, err := range s.Records(context.Background()) {
			if err != nil {
				t.Fatal(err)
			}
			if n++; n == storage.LedgerSpan+10 { // into the second span
				break
			}
		}
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		n = 0
		var last error
		for _, err := range s.Records(ctx) {
			if err != nil {
				last = err
				break
			}
			if n++; n == 100 {
				cancel()
			}
		}
		if last == nil || n >= storage.LedgerSpan+100 {
			t.Fatalf("after the context ended: %d records, error %v; want an error before the end", n, last)
		}
	})
}

// readAll reads the whole ledger through Records.
func readAll(t *testing.T, s *storage.LedgerStore) []ledger.Record {
	t.Helper()
	var out []ledger.Record
	for r, err := range s.Records(context.Background()) {
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	return out
}

// insertRow writes r into the ledger as it is, as a tamperer would.
func insertRow(ctx context.Context, q storage.Querier, r ledger.Record) error {
	_, err := q.ExecContext(ctx, `INSERT INTO ledger (seq, id, at, actor_id, role, unit_id, action, subject_kind, subject_id,
		before_digest, after_digest, reason, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
		r.Seq, r.ID, r.At.UnixMilli(), r.ActorID, r.Role, r.UnitID, r.Action, r.Subject.Kind, r.Subject.ID,
		r.Before, r.After, r.Reason, r.PrevHash, r.Hash)
	return err
}

// Migrations 00011 and 00012 drop the UNIQUE indexes of prev_hash and of id
// (on SQLite by rebuilding the table): after each, every record stays as it
// was and verifies, the primary key and the subject index remain, and a record
// repeating the dropped column is stored but fails verification — the chain
// check is what finds it.
func TestLedgerMigrationsDroppingUniqueIndexesKeepEveryRecord(t *testing.T) {
	const prevHashDropped, idDropped = 11, 12
	storagetest.EachEmpty(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		if err := db.MigrateTo(ctx, prevHashDropped-1); err != nil {
			t.Fatal(err)
		}
		s := storage.NewLedgerStore(db)
		at := time.Date(2026, 5, 1, 8, 0, 0, 0, time.UTC)
		for i := range 30 {
			r := benchRecord(at.Add(time.Duration(i)*time.Second), i)
			if i == 7 {
				r.Reason = "原因\x1f含控制符 🚧 and 'quotes'"
			}
			if _, err := s.Append(ctx, r); err != nil {
				t.Fatal(err)
			}
		}
		before := readAll(t, s)
		// insert stores a row as a tamperer would, in a transaction of its own
		// that is rolled back when the test only wants to know whether the
		// database takes it.
		errRolledBack := errors.New("rolled back")
		insert := func(r ledger.Record, keep bool) error {
			err := db.Transact(ctx, func(q storage.Querier) error {
				if err := insertRow(ctx, q, r); err != nil {
					return err
				}
				if !keep {
					return errRolledBack
				}
				return nil
			})
			if errors.Is(err, errRolledBack) {
				return nil
			}
			return err
		}
		twin, err := ledger.Seal(before[4].Head(), benchRecord(at, 99)) // a second record sealed on record 5
		if err != nil {
			t.Fatal(err)
		}
		for _, step := range []int64{prevHashDropped, idDropped} {
			if err := db.MigrateTo(ctx, step); err != nil {
				t.Fatalf("migrate to %d: %v", step, err)
			}
			if after := readAll(t, s); !slices.Equal(after, before) {
				t.Fatalf("records changed by migration %d:\n got %+v\nwant %+v", step, after, before)
			}
			wantChain(t, db, 30)
			q := `SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND tbl_name = 'ledger' AND name = 'ledger_subject'`
			if db.Dialect == storage.Postgres {
				q = `SELECT COUNT(*) FROM pg_indexes WHERE schemaname = current_schema() AND tablename = 'ledger' AND indexname = 'ledger_subject'`
			}
			var n int
			if err := db.Reader().QueryRowContext(ctx, q).Scan(&n); err != nil || n != 1 {
				t.Fatalf("after %d: ledger_subject index: %d, %v", step, n, err)
			}
			// seq stays unique.
			wantCode(t, storage.MapErr(insert(twin, false), ""), apperr.Conflict, "a second record 6")
			// id is unique until 00012.
			dupID := twin
			dupID.Seq, dupID.ID = 1000, before[0].ID
			if err := insert(dupID, false); step < idDropped {
				wantCode(t, storage.MapErr(err, ""), apperr.Conflict, "a record with the ID of record 1")
			} else if err != nil {
				t.Fatalf("after %d: a record with the ID of record 1: %v", step, err)
			}
		}
		// The chain goes on, and the subject index answers.
		next, err := s.Append(ctx, benchRecord(at.Add(time.Hour), 30))
		if err != nil || next.Seq != 31 || next.PrevHash != before[29].Hash {
			t.Fatalf("append after the migrations: %+v, %v", next, err)
		}
		if got, err := s.ForSubject(ctx, next.Subject.Kind, next.Subject.ID, 10); err != nil || len(got) != 1 || got[0] != next {
			t.Fatalf("records of the subject: %+v, %v", got, err)
		}
		// A record copying record 1's id, chained on the head, is stored; verify names it.
		copied, err := ledger.Seal(next.Head(), benchRecord(at.Add(2*time.Hour), 31))
		if err != nil {
			t.Fatal(err)
		}
		copied.ID = before[0].ID
		if err := insert(copied, true); err != nil {
			t.Fatalf("a record with the ID of record 1: %v", err)
		}
		if _, err = ledger.Verify(s.Records(ctx), ledger.Options{}); !errors.Is(err, ledger.ErrTampered) || !strings.Contains(err.Error(), "32") {
			t.Fatalf("verify after a record 32 took record 1's id: %v", err)
		}
		// A record repeating prev_hash (sealed on record 5) stored as 33 is found too.
		forked := twin
		forked.Seq = 33
		if err := insert(forked, true); err != nil {
			t.Fatalf("a record whose prev_hash repeats: %v", err)
		}
		if _, err = ledger.Verify(s.Records(ctx), ledger.Options{}); !errors.Is(err, ledger.ErrTampered) {
			t.Fatalf("verify after a second record sealed on record 5 was stored as 33: %v", err)
		}
	})
}

// On PostgreSQL verify takes the columns in binary form; a column whose type
// was altered behind the application's back is reported, not misread.
func TestLedgerRecordsReportsAColumnOfAnotherTypeOnPostgres(t *testing.T) {
	// Two handles, as the server and a later `chengguan ledger verify`.
	db, verifier := openTwice(t, storagetest.PostgresDSN(t))
	ctx := context.Background()
	if _, err := storage.NewLedgerStore(db).Append(ctx, benchRecord(time.Date(2026, 5, 1, 8, 0, 0, 0, time.UTC), 1)); err != nil {
		t.Fatal(err)
	}
	if err := db.Transact(ctx, func(q storage.Querier) error {
		_, err := q.ExecContext(ctx, `ALTER TABLE ledger ALTER COLUMN reason TYPE varchar(200)`)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	_, err := ledger.Verify(storage.NewLedgerStore(verifier).Records(ctx), ledger.Options{})
	if err == nil || errors.Is(err, ledger.ErrTampered) || !strings.Contains(err.Error(), "column reason") {
		t.Fatalf("verify over a reason column of type varchar: %v; want an error naming the column", err)
	}
}
