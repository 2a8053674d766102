package cli

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"chengguan/internal/evidence"
	"chengguan/internal/ids"
	"chengguan/internal/ledger"
	"chengguan/internal/storage"
	"chengguan/internal/storage/storagetest"
	"chengguan/internal/urban"
)

// ledgerFixture is a database with a ledger, the installation key's path and
// the records as they were appended.
type ledgerFixture struct {
	dsn   string
	key   string // path of the installation key
	db    *storage.DB
	store *storage.LedgerStore
	recs  []ledger.Record
}

// newLedger migrates the database at dsn and appends n records through
// LedgerStore.Append.
func newLedger(t *testing.T, dsn string, n int) *ledgerFixture {
	t.Helper()
	ctx := context.Background()
	db, err := storage.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	f := &ledgerFixture{dsn: dsn, key: filepath.Join(t.TempDir(), "keys", "ledger-key.pem"), db: db, store: storage.NewLedgerStore(db)}
	at := time.Date(2026, 5, 1, 8, 0, 0, 0, time.UTC)
	for i := range n {
		f.append(t, testRecord(at.Add(time.Duration(i)*time.Minute), i))
	}
	return f
}

func testRecord(at time.Time, i int) ledger.Record {
	before, _ := ledger.Digest(map[string]any{"status": "active", "n": i})
	after, _ := ledger.Digest(map[string]any{"status": "disabled", "n": i})
	return ledger.Record{ID: ids.New(), At: at, ActorID: ids.New(), Role: "admin", UnitID: ids.New(),
		Action: "account.disable", Subject: ledger.Subject{Kind: "account", ID: ids.New()},
		Before: before, After: after, Reason: fmt.Sprintf("离职 %d", i)}
}

func (f *ledgerFixture) append(t *testing.T, r ledger.Record) {
	t.Helper()
	sealed, err := f.store.Append(context.Background(), r)
	if err != nil {
		t.Fatalf("append: %v", err)
	}
	f.recs = append(f.recs, sealed)
}

// ledgerRun runs a ledger command on the fixture's database and key.
func (f *ledgerFixture) run(t *testing.T, cmd string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	code, stdout, stderr = run(t, nil, "", append([]string{"ledger", cmd, "--db", f.dsn, "--ledger-key", f.key}, args...)...)
	t.Logf("ledger %s %s: exit %d\nstdout: %s\nstderr: %s", cmd, strings.Join(args, " "), code, stdout, stderr)
	return code, stdout, stderr
}

// checkpointFile takes a checkpoint with the command line and keeps it in a
// file outside the database, as a third party would.
func (f *ledgerFixture) checkpointFile(t *testing.T) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "checkpoint.json")
	if code, stdout, stderr := f.run(t, "checkpoint", "--out", out); code != 0 {
		t.Fatalf("ledger checkpoint: exit %d\n%s%s", code, stdout, stderr)
	}
	return out
}

// sql tampers with the database directly, in one transaction.
func (f *ledgerFixture) sql(t *testing.T, stmts ...string) {
	t.Helper()
	f.sqlArgs(t, func(q storage.Querier) error {
		for _, s := range stmts {
			if _, err := q.ExecContext(context.Background(), s); err != nil {
				return fmt.Errorf("%s: %w", s, err)
			}
		}
		return nil
	})
}

func (f *ledgerFixture) sqlArgs(t *testing.T, fn func(q storage.Querier) error) {
	t.Helper()
	if err := f.db.Transact(context.Background(), fn); err != nil {
		t.Fatalf("tampering: %v", err)
	}
}

// insert writes r as a row of the ledger table, bypassing the store.
func insert(ctx context.Context, q storage.Querier, r ledger.Record) error {
	_, err := q.ExecContext(ctx, `INSERT INTO ledger (seq, id, at, actor_id, role, unit_id, action, subject_kind, subject_id,
		before_digest, after_digest, reason, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
		r.Seq, r.ID, r.At.UnixMilli(), r.ActorID, r.Role, r.UnitID, r.Action, r.Subject.Kind, r.Subject.ID,
		r.Before, r.After, r.Reason, r.PrevHash, r.Hash)
	return err
}

// wantBad checks that verify failed naming the record seq with id (empty for
// a missing record) and kind.
func wantBad(t *testing.T, code int, stderr string, seq int64, id string, kind ledger.Kind) {
	t.Helper()
	if id == "" {
		id = "(missing)"
	}
	want := fmt.Sprintf("first bad record: seq %d, id %s, %s:", seq, id, kind)
	if code != 1 || !strings.Contains(stderr, want) {
		t.Fatalf("ledger verify: exit %d, stderr %q; want exit 1 and %q", code, stderr, want)
	}
}

func wantSound(t *testing.T, code int, stdout, stderr, want string) {
	t.Helper()
	if code != 0 || !strings.Contains(stdout, want) {
		t.Fatalf("ledger verify: exit %d\nstdout %q\nstderr %q\nwant exit 0 and %q", code, stdout, stderr, want)
	}
}

func TestLedgerVerifyPassesOnAnUntamperedLedger(t *testing.T) {
	storagetest.EachDSN(t, func(t *testing.T, dsn string) {
		f := newLedger(t, dsn, 50)
		cp := f.checkpointFile(t)
		code, out, errOut := f.run(t, "verify", "--checkpoint", cp)
		wantSound(t, code, out, errOut, "ledger sound: 50 records, head seq 50 (hash "+f.recs[49].Hash[:16]+"…); 2 checkpoint(s) checked (1 from files, 1 stored), the last at seq 50")
		if !strings.Contains(out, "evidence files: 0 checked, all intact") || strings.Count(out, "\n") != 1 {
			t.Fatalf("the summary is one line that counts the evidence files: %q", out)
		}
	})
}

func TestLedgerVerifyPassesOnAnEmptyLedgerAndCheckpointTakesNone(t *testing.T) {
	storagetest.EachDSN(t, func(t *testing.T, dsn string) {
		f := newLedger(t, dsn, 0)
		code, out, errOut := f.run(t, "checkpoint")
		if code != 0 || out != "" || !strings.Contains(errOut, "the ledger is empty: no checkpoint taken") {
			t.Fatalf("checkpoint of an empty ledger: exit %d, stdout %q, stderr %q", code, out, errOut)
		}
		if _, err := os.Stat(f.key); !os.IsNotExist(err) {
			t.Fatalf("a checkpoint of nothing created the key: %v", err)
		}
		code, out, errOut = f.run(t, "verify")
		wantSound(t, code, out, errOut, "ledger sound: 0 records, head seq 0;")
	})
}

func TestLedgerCheckpointCreatesAPrivateKeyFileAndPrintsOnlyTheSignedHead(t *testing.T) {
	storagetest.EachDSN(t, func(t *testing.T, dsn string) {
		f := newLedger(t, dsn, 3)
		code, out, errOut := f.run(t, "checkpoint")
		if code != 0 {
			t.Fatalf("ledger checkpoint: exit %d\n%s", code, errOut)
		}
		if strings.Contains(out+errOut, "PRIVATE") {
			t.Fatalf("checkpoint printed the key: %q %q", out, errOut)
		}
		for path, want := range map[string]os.FileMode{f.key: 0o600, filepath.Dir(f.key): 0o700 | os.ModeDir} {
			st, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			if st.Mode() != want {
				t.Errorf("%s: mode %v, want %v", path, st.Mode(), want)
			}
		}
		cps, err := ledger.ParseCheckpoints([]byte(out))
		if err != nil || len(cps) != 1 {
			t.Fatalf("stdout is not one checkpoint: %v\n%s", err, out)
		}
		key, err := loadKey(f.key)
		if err != nil {
			t.Fatal(err)
		}
		if err := cps[0].Check(key.Public().(ed25519.PublicKey)); err != nil || cps[0].Head() != f.recs[2].Head() {
			t.Fatalf("checkpoint %+v: %v; want record 3 signed by the key", cps[0], err)
		}
		stored, err := f.store.Checkpoints(context.Background())
		if err != nil || len(stored) != 1 || stored[0].Seq != 3 {
			t.Fatalf("stored checkpoints: %+v, %v", stored, err)
		}
		// Nothing appended since: the stored checkpoint is handed out again.
		if again := mustRun(t, "", "ledger", "checkpoint", "--db", f.dsn, "--ledger-key", f.key); again != out {
			t.Fatalf("second checkpoint of the same head: %q, want the stored %q", again, out)
		}
		code, pub, errOut := f.run(t, "pubkey")
		parsed, err := ledger.ParsePublicKey([]byte(pub))
		if code != 0 || err != nil || !parsed.Equal(key.Public()) {
			t.Fatalf("ledger pubkey: exit %d, %v\n%s%s", code, err, pub, errOut)
		}
	})
}

func TestConfigShowsTheLedgerKeyPathBesideTheDatabase(t *testing.T) {
	dir := t.TempDir()
	cases := map[string]string{
		filepath.Join(dir, "chengguan.db"):           filepath.Join(dir, "ledger-key.pem"),
		"postgres://cg:s3cret@db/cg?sslmode=disable": filepath.Join("data", "ledger-key.pem"),
	}
	for db, want := range cases {
		out := mustRun(t, "", "config", "--db", db)
		if !strings.Contains(out, "ledger-key          = "+want+"\n") || !strings.Contains(out, "checkpoint-every    = 1h0m0s\n") {
			t.Errorf("config --db %s: want ledger-key = %s and checkpoint-every = 1h0m0s in\n%s", db, want, out)
		}
	}
}

func TestLedgerVerifyNamesARecordWhoseReasonWasUpdated(t *testing.T) {
	storagetest.EachDSN(t, func(t *testing.T, dsn string) {
		f := newLedger(t, dsn, 50)
		cp := f.checkpointFile(t)
		f.sql(t, `UPDATE ledger SET reason = '本人申请' WHERE seq = 20`)
		code, _, errOut := f.run(t, "verify", "--checkpoint", cp)
		wantBad(t, code, errOut, 20, f.recs[19].ID, ledger.Edited)
	})
}

// On SQLite verify reads each row as its columns joined by a separator (see
// storage.LedgerStore.Records); a row whose text holds the separator is read
// again column by column, so what verify checks is still each column as
// stored. PostgreSQL's rows come column by column. A reason with a control
// character is legitimate, and tampering that writes the separator is still
// named.
func TestLedgerVerifyChecksARowWhoseTextHoldsTheSeparatorColumnByColumn(t *testing.T) {
	storagetest.EachDSN(t, func(t *testing.T, dsn string) {
		f := newLedger(t, dsn, 30)
		r := testRecord(f.recs[29].At.Add(time.Minute), 30)
		r.Reason = "分隔符\x1f在原因里\x1f"
		f.append(t, r)
		f.append(t, testRecord(f.recs[30].At.Add(time.Minute), 31))
		cp := f.checkpointFile(t)
		code, out, errOut := f.run(t, "verify", "--checkpoint", cp)
		wantSound(t, code, out, errOut, "ledger sound: 32 records")

		sep, kind := `x'ff'`, ledger.Malformed // SQLite: the byte 0xFF; the text is no longer UTF-8
		if storage.IsPostgres(dsn) {
			sep, kind = `chr(31)`, ledger.Edited
		}
		f.sql(t, `UPDATE ledger SET reason = reason || `+sep+` WHERE seq = 20`)
		code, _, errOut = f.run(t, "verify", "--checkpoint", cp)
		wantBad(t, code, errOut, 20, f.recs[19].ID, kind)
	})
}

func TestLedgerVerifyNamesADeletedMiddleRecord(t *testing.T) {
	storagetest.EachDSN(t, func(t *testing.T, dsn string) {
		f := newLedger(t, dsn, 50)
		cp := f.checkpointFile(t)
		f.sql(t, `DELETE FROM ledger WHERE seq = 25`)
		code, _, errOut := f.run(t, "verify", "--checkpoint", cp)
		wantBad(t, code, errOut, 25, "", ledger.Deleted)
	})
}

func TestLedgerVerifyCatchesDeletedNewestRecordsOnlyThroughACheckpoint(t *testing.T) {
	storagetest.EachDSN(t, func(t *testing.T, dsn string) {
		f := newLedger(t, dsn, 50)
		cp := f.checkpointFile(t)
		f.sql(t, `DELETE FROM ledger WHERE seq >= 48`)
		code, _, errOut := f.run(t, "verify")
		wantBad(t, code, errOut, 48, "", ledger.Truncated) // the checkpoint stored in the database
		f.sql(t, `DELETE FROM ledger_checkpoints`)
		code, out, errOut := f.run(t, "verify")
		wantSound(t, code, out, errOut, "ledger sound: 47 records, head seq 47 (hash "+f.recs[46].Hash[:16]+"…); no checkpoint checked")
		code, _, errOut = f.run(t, "verify", "--checkpoint", cp)
		wantBad(t, code, errOut, 48, "", ledger.Truncated)
	})
}

// The forger makes room at seq 30 by renumbering the records from 30 on, and
// puts a record there sealed after record 29 — its real hash (prev_hash is
// not unique, so the table takes a second record chaining to 29) or a
// made-up one.
func TestLedgerVerifyNamesAForgedRecordInsertedWithRenumbering(t *testing.T) {
	storagetest.EachDSN(t, func(t *testing.T, dsn string) {
		f := newLedger(t, dsn, 50)
		cp := f.checkpointFile(t)
		for _, after := range []string{f.recs[28].Hash, strings.Repeat("ab", 32)} {
			forged, err := ledger.Seal(ledger.Head{Seq: 29, Hash: after}, testRecord(f.recs[29].At, 1000))
			if err != nil {
				t.Fatal(err)
			}
			f.sqlArgs(t, func(q storage.Querier) error {
				ctx := context.Background()
				// Two steps, so that no intermediate seq collides with the primary key.
				if _, err := q.ExecContext(ctx, `UPDATE ledger SET seq = -seq WHERE seq >= 30`); err != nil {
					return err
				}
				if _, err := q.ExecContext(ctx, `UPDATE ledger SET seq = 1 - seq WHERE seq < 0`); err != nil {
					return err
				}
				return insert(ctx, q, forged)
			})
			code, _, errOut := f.run(t, "verify", "--checkpoint", cp)
			wantBad(t, code, errOut, 30, forged.ID, ledger.Inserted)
			f.sql(t, `DELETE FROM ledger WHERE seq = 30`, `UPDATE ledger SET seq = -seq WHERE seq > 30`, `UPDATE ledger SET seq = -seq - 1 WHERE seq < 0`)
			code, out, errOut := f.run(t, "verify", "--checkpoint", cp)
			wantSound(t, code, out, errOut, "ledger sound: 50 records")
		}
	})
}

// A forged record appended after the head, sealed onto it, is a well-formed
// append: no chain can tell it from a real one (see the package
// documentation of internal/ledger). Verify says it is not under a
// checkpoint; one that does not chain onto the head fails.
func TestLedgerVerifyShowsAForgedRecordAppendedWithoutRenumberingAsUncheckpointed(t *testing.T) {
	storagetest.EachDSN(t, func(t *testing.T, dsn string) {
		f := newLedger(t, dsn, 50)
		cp := f.checkpointFile(t)
		sealed, err := ledger.Seal(f.recs[49].Head(), testRecord(f.recs[49].At.Add(time.Minute), 1000))
		if err != nil {
			t.Fatal(err)
		}
		f.sqlArgs(t, func(q storage.Querier) error { return insert(context.Background(), q, sealed) })
		code, out, errOut := f.run(t, "verify", "--checkpoint", cp)
		wantSound(t, code, out, errOut, "51 records, head seq 51")
		if !strings.Contains(out, "records 51–51 are not under a checkpoint yet") {
			t.Fatalf("verify does not say the newest record is unvouched for: %q", out)
		}

		f.sql(t, `DELETE FROM ledger WHERE seq = 51`)
		loose, err := ledger.Seal(ledger.Head{Seq: 50, Hash: strings.Repeat("cd", 32)}, testRecord(f.recs[49].At.Add(time.Minute), 1001))
		if err != nil {
			t.Fatal(err)
		}
		f.sqlArgs(t, func(q storage.Querier) error { return insert(context.Background(), q, loose) })
		code, _, errOut = f.run(t, "verify", "--checkpoint", cp)
		// The chain breaks between 50 and 51; the core blames the link's older end.
		if code != 1 || !strings.Contains(errOut, "record 51 was sealed after a record with hash "+loose.PrevHash) {
			t.Fatalf("a forged record that does not chain: exit %d, %q", code, errOut)
		}
	})
}

func TestLedgerVerifyNamesSwappedRecords(t *testing.T) {
	storagetest.EachDSN(t, func(t *testing.T, dsn string) {
		f := newLedger(t, dsn, 50)
		cp := f.checkpointFile(t)
		f.sql(t, `UPDATE ledger SET seq = -1 WHERE seq = 10`, `UPDATE ledger SET seq = 10 WHERE seq = 11`, `UPDATE ledger SET seq = 11 WHERE seq = -1`)
		code, _, errOut := f.run(t, "verify", "--checkpoint", cp)
		wantBad(t, code, errOut, 10, f.recs[10].ID, ledger.Reordered)

		f.sql(t, `UPDATE ledger SET seq = -1 WHERE seq = 10`, `UPDATE ledger SET seq = 10 WHERE seq = 11`, `UPDATE ledger SET seq = 11 WHERE seq = -1`) // back
		code, out, errOut := f.run(t, "verify", "--checkpoint", cp)
		wantSound(t, code, out, errOut, "ledger sound: 50 records")
		f.sql(t, `UPDATE ledger SET seq = -1 WHERE seq = 10`, `UPDATE ledger SET seq = 10 WHERE seq = 20`, `UPDATE ledger SET seq = 20 WHERE seq = -1`)
		code, _, errOut = f.run(t, "verify", "--checkpoint", cp)
		// Far apart, a swap first looks like records 10–19 missing: the record
		// at seq 10 was sealed as 20.
		if code != 1 || !strings.Contains(errOut, "first bad record: seq 10,") {
			t.Fatalf("records 10 and 20 swapped: exit %d, %q", code, errOut)
		}
	})
}

func TestLedgerVerifyCatchesAConsistentlyRewrittenChainOnlyWithTheCheckpointKeptOutside(t *testing.T) {
	storagetest.EachDSN(t, func(t *testing.T, dsn string) {
		f := newLedger(t, dsn, 50)
		cp := f.checkpointFile(t)
		// Re-seal the whole chain from the genesis with one reason changed, and
		// remove the checkpoints the database holds.
		var head ledger.Head
		var rewritten []ledger.Record
		for _, r := range f.recs {
			if r.Seq == 20 {
				r.Reason = "本人申请"
			}
			sealed, err := ledger.Seal(head, r)
			if err != nil {
				t.Fatal(err)
			}
			rewritten = append(rewritten, sealed)
			head = sealed.Head()
		}
		f.sqlArgs(t, func(q storage.Querier) error {
			ctx := context.Background()
			for _, r := range rewritten {
				if _, err := q.ExecContext(ctx, `UPDATE ledger SET reason = $1, prev_hash = $2, hash = $3 WHERE seq = $4`,
					r.Reason, r.PrevHash, r.Hash, r.Seq); err != nil {
					return err
				}
			}
			_, err := q.ExecContext(ctx, `DELETE FROM ledger_checkpoints`)
			return err
		})
		code, out, errOut := f.run(t, "verify")
		wantSound(t, code, out, errOut, "ledger sound: 50 records, head seq 50 (hash "+head.Hash[:16]+"…); no checkpoint checked")
		code, _, errOut = f.run(t, "verify", "--checkpoint", cp)
		wantBad(t, code, errOut, 50, f.recs[49].ID, ledger.Rewritten)
	})
}

func TestLedgerVerifyRefusesACheckpointSignedByAnotherKey(t *testing.T) {
	storagetest.EachDSN(t, func(t *testing.T, dsn string) {
		f := newLedger(t, dsn, 50)
		f.checkpointFile(t)
		other, err := ledger.GenerateKey()
		if err != nil {
			t.Fatal(err)
		}
		forged, err := ledger.NewCheckpoint(other, f.recs[48].Head(), time.Now())
		if err != nil {
			t.Fatal(err)
		}
		data, _ := forged.MarshalJSON()
		file := filepath.Join(t.TempDir(), "forged.json")
		if err := os.WriteFile(file, data, 0o644); err != nil {
			t.Fatal(err)
		}
		code, _, errOut := f.run(t, "verify", "--checkpoint", file)
		want := fmt.Sprintf("checkpoint of record 49 from %s (key %s) is not signed by a trusted key", file, forged.KeyID)
		if code != 1 || !strings.Contains(errOut, want) {
			t.Fatalf("verify with a checkpoint of another key: exit %d, %q; want %q", code, errOut, want)
		}
		f.sqlArgs(t, func(q storage.Querier) error {
			_, err := q.ExecContext(context.Background(), `INSERT INTO ledger_checkpoints (seq, data) VALUES (49, $1)`, string(data))
			return err
		})
		code, _, errOut = f.run(t, "verify")
		if want := "checkpoint of record 49 from the database"; code != 1 || !strings.Contains(errOut, want) {
			t.Fatalf("verify with a stored checkpoint of another key: exit %d, %q; want %q", code, errOut, want)
		}
	})
}

func TestLedgerVerifyWithoutTheKeyNeedsThePublicKey(t *testing.T) {
	storagetest.EachDSN(t, func(t *testing.T, dsn string) {
		f := newLedger(t, dsn, 5)
		cp := f.checkpointFile(t)
		_, pub, _ := f.run(t, "pubkey")
		pubFile := filepath.Join(t.TempDir(), "ledger-pub.pem")
		if err := os.WriteFile(pubFile, []byte(pub), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Remove(f.key); err != nil {
			t.Fatal(err)
		}
		code, _, errOut := f.run(t, "verify", "--checkpoint", cp)
		if code != 1 || !strings.Contains(errOut, "the installation key "+f.key+" does not exist; give the installation's public key with --public-key FILE") {
			t.Fatalf("verify without a key: exit %d, %q", code, errOut)
		}
		code, out, errOut := f.run(t, "verify", "--checkpoint", cp, "--public-key", pubFile)
		wantSound(t, code, out, errOut, "ledger sound: 5 records, head seq 5")
		// Nor is a new key made over checkpoints signed with the lost one.
		f.append(t, testRecord(time.Now(), 6))
		code, _, errOut = f.run(t, "checkpoint")
		if code != 1 || !strings.Contains(errOut, "restore the key file from its backup") {
			t.Fatalf("checkpoint with the key lost: exit %d, %q", code, errOut)
		}
		if _, err := os.Stat(f.key); !os.IsNotExist(err) {
			t.Fatalf("a new key was created over the lost one: %v", err)
		}
	})
}

func TestLedgerCheckpointRefusesToSignATamperedLedger(t *testing.T) {
	storagetest.EachDSN(t, func(t *testing.T, dsn string) {
		f := newLedger(t, dsn, 10)
		f.checkpointFile(t)
		f.append(t, testRecord(time.Now(), 11))
		f.sql(t, `UPDATE ledger SET reason = '本人申请' WHERE seq = 4`)
		code, out, errOut := f.run(t, "checkpoint")
		if code != 1 || out != "" || !strings.Contains(errOut, "no checkpoint signed, the ledger does not verify") {
			t.Fatalf("checkpoint of a tampered ledger: exit %d, stdout %q, stderr %q", code, out, errOut)
		}
		stored, err := f.store.Checkpoints(context.Background())
		if err != nil || len(stored) != 1 {
			t.Fatalf("stored checkpoints after the refusal: %d, %v; want the first one only", len(stored), err)
		}
	})
}

func TestPeriodicCheckpointsFollowTheHeadAndStopWithTheContext(t *testing.T) {
	storagetest.EachDSN(t, func(t *testing.T, dsn string) {
		f := newLedger(t, dsn, 5)
		var logs bytes.Buffer
		log := slog.New(slog.NewJSONHandler(&logs, nil))
		// The server waits for the key the command line creates.
		if _, err := createKey(f.key); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() {
			defer close(done)
			checkpointLoop(ctx, log, f.store, f.key, 20*time.Millisecond)
		}()
		waitForCheckpoint := func(seq int64) {
			t.Helper()
			deadline := time.Now().Add(10 * time.Second)
			for time.Now().Before(deadline) {
				cps, err := f.store.Checkpoints(context.Background())
				if err != nil {
					t.Fatal(err)
				}
				if n := len(cps); n > 0 && cps[n-1].Seq == seq {
					return
				}
				time.Sleep(10 * time.Millisecond)
			}
			t.Fatalf("no checkpoint of record %d within 10s", seq)
		}
		waitForCheckpoint(5)
		f.append(t, testRecord(time.Now(), 6))
		f.append(t, testRecord(time.Now(), 7))
		waitForCheckpoint(7)
		time.Sleep(100 * time.Millisecond) // several periods with the head unmoved
		cancel()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatal("the checkpoint loop did not stop with its context")
		}
		// One checkpoint per head the loop saw: 5, perhaps 6 (if a period fell
		// between the two appends), and 7 — never one twice while the head
		// stood still.
		cps, err := f.store.Checkpoints(context.Background())
		if err != nil || len(cps) < 2 || len(cps) > 3 || cps[0].Seq != 5 || cps[len(cps)-1].Seq != 7 {
			t.Fatalf("stored checkpoints: %+v, %v; want 5, (6,) 7", cps, err)
		}
		for i := 1; i < len(cps); i++ {
			if cps[i].Seq <= cps[i-1].Seq {
				t.Fatalf("checkpoints not one per head: %+v", cps)
			}
		}
		keyPEM, err := os.ReadFile(f.key)
		if err != nil {
			t.Fatal(err)
		}
		text := logs.String()
		if strings.Count(text, `"msg":"ledger checkpoint"`) != len(cps) || !strings.Contains(text, `"seq":5`) || !strings.Contains(text, `"seq":7`) {
			t.Fatalf("want one log line per checkpoint with its seq:\n%s", text)
		}
		if strings.Contains(text, "PRIVATE") || strings.Contains(text, strings.Split(string(keyPEM), "\n")[1]) {
			t.Fatalf("the log shows the key:\n%s", text)
		}
	})
}

func TestServerWaitsForTheKeyRatherThanCreatingOne(t *testing.T) {
	dsn := storagetest.SQLiteDSN(t)
	f := newLedger(t, dsn, 3)
	var logs bytes.Buffer
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		checkpointLoop(ctx, slog.New(slog.NewJSONHandler(&logs, nil)), f.store, f.key, 10*time.Millisecond)
	}()
	time.Sleep(100 * time.Millisecond)
	cancel()
	<-done
	if _, err := os.Stat(f.key); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the server created a key: %v", err)
	}
	if n := strings.Count(logs.String(), "no ledger key"); n != 1 {
		t.Fatalf("want one warning about the missing key, got %d:\n%s", n, logs.String())
	}
}

func TestLedgerVerifyRehashesTheEvidenceFilesTheLedgerNames(t *testing.T) {
	storagetest.EachDSN(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		f := newLedger(t, dsn, 3)
		dir := t.TempDir()
		blobs, err := evidence.Open(dir, evidence.Limits{})
		if err != nil {
			t.Fatal(err)
		}
		photo := []byte{0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 'J', 'F', 'I', 'F', 0x00, 0x01, 0x01, 0x00, 0x00, 0x01,
			0x00, 0x01, 0x00, 0x00, 0xFF, 0xD9}
		b, err := blobs.Put(ctx, bytes.NewReader(photo), "scene.jpg")
		if err != nil {
			t.Fatal(err)
		}
		rec := testRecord(time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC), 99)
		rec.Action, rec.Subject, rec.Before, rec.After = "evidence.add", ledger.Subject{Kind: urban.EvidenceSubject, ID: ids.New()}, "", b.SHA256
		f.append(t, rec)
		code, out, errOut := f.run(t, "verify", "--evidence-dir", dir)
		wantSound(t, code, out, errOut, "evidence files: 1 checked, all intact")

		path := filepath.Join(dir, "sha256", b.SHA256[:2], b.SHA256[2:4], b.SHA256)
		if err := os.Chmod(path, 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, append(photo, 0), 0o600); err != nil {
			t.Fatal(err)
		}
		code, _, errOut = f.run(t, "verify", "--evidence-dir", dir)
		if code == 0 || !strings.Contains(errOut, "evidence ALTERED: file "+b.SHA256+" of record seq 4") {
			t.Fatalf("an altered file: exit %d, %q", code, errOut)
		}
		if err := os.Remove(path); err != nil {
			t.Fatal(err)
		}
		code, _, errOut = f.run(t, "verify", "--evidence-dir", dir)
		if code == 0 || !strings.Contains(errOut, "evidence MISSING: file "+b.SHA256+" of record seq 4") {
			t.Fatalf("a missing file: exit %d, %q", code, errOut)
		}
		code, out, errOut = f.run(t, "verify", "--evidence-dir", dir, "--skip-evidence")
		wantSound(t, code, out, errOut, "evidence files: not checked (--skip-evidence)")
	})
}
