package cli

import (
	"context"
	"crypto/ed25519"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"chengguan/internal/config"
	"chengguan/internal/evidence"
	"chengguan/internal/ledger"
	"chengguan/internal/storage"
	"chengguan/internal/urban"
)

// ledgerSchema is the schema version that created the ledger tables
// (migrations/*/00004_ledger.sql).
const ledgerSchema = 4

// errEmptyLedger: there is no record to sign yet.
var errEmptyLedger = errors.New("the ledger is empty")

// fileList is a flag that may be given more than once.
type fileList []string

func (l *fileList) String() string     { return strings.Join(*l, ",") }
func (l *fileList) Set(v string) error { *l = append(*l, v); return nil }

// ledgerCheckpoint signs the ledger's head with the installation key, keeps
// the checkpoint in the database and hands it out as JSON for a third party.
func ledgerCheckpoint(fs *flag.FlagSet) runFunc {
	out := fs.String("out", "", "write the checkpoint JSON to this file instead of stdout")
	return func(ctx context.Context, cfg *config.Config, env Env) error {
		db, err := storage.Open(ctx, cfg.DB)
		if err != nil {
			return err
		}
		defer db.Close()
		if _, err := db.Migrate(ctx); err != nil {
			return err
		}
		c, _, err := takeCheckpoint(ctx, storage.NewLedgerStore(db), cfg.LedgerKeyPath(), time.Now())
		if errors.Is(err, errEmptyLedger) {
			// Stderr, so that stdout stays valid JSON or nothing.
			fmt.Fprintln(env.Stderr, "the ledger is empty: no checkpoint taken")
			return nil
		}
		if err != nil {
			return err
		}
		data, err := c.MarshalJSON()
		if err != nil {
			return err
		}
		data = append(data, '\n')
		if *out == "" {
			_, err = env.Stdout.Write(data)
			return err
		}
		if err := os.WriteFile(*out, data, 0o644); err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "checkpoint of record %d written to %s\n", c.Seq, *out)
		return nil
	}
}

// takeCheckpoint verifies the whole chain against the checkpoints already
// stored and signs the head it verified, so that the key never vouches for a
// chain that was tampered with since the last checkpoint. When the head has
// not moved since the last stored checkpoint, that one is returned and fresh
// is false. The key is created here, on the first checkpoint of an
// installation, and only then: a missing key with checkpoints already
// stored means the key was lost, and a new one would make them uncheckable.
func takeCheckpoint(ctx context.Context, store *storage.LedgerStore, keyPath string, now time.Time) (c ledger.Checkpoint, fresh bool, err error) {
	head, err := store.Head(ctx)
	if err != nil {
		return c, false, err
	}
	if head.Seq == 0 {
		return c, false, errEmptyLedger
	}
	stored, err := store.Checkpoints(ctx)
	if err != nil {
		return c, false, err
	}
	if n := len(stored); n > 0 && stored[n-1].Head() == head {
		return stored[n-1], false, nil
	}
	key, err := loadKey(keyPath)
	if errors.Is(err, fs.ErrNotExist) {
		if len(stored) > 0 {
			return c, false, fmt.Errorf("the installation key %s is missing, but the ledger holds %d checkpoint(s) signed with key %s: restore the key file from its backup",
				keyPath, len(stored), stored[len(stored)-1].KeyID)
		}
		key, err = createKey(keyPath)
	}
	if err != nil {
		return c, false, err
	}
	sum, err := ledger.Verify(store.Records(ctx), ledger.Options{Checkpoints: stored, Keys: []ed25519.PublicKey{key.Public().(ed25519.PublicKey)}})
	if err != nil {
		return c, false, fmt.Errorf("no checkpoint signed, the ledger does not verify: %w", err)
	}
	c, err = ledger.NewCheckpoint(key, sum.Head, now)
	if err != nil {
		return c, false, err
	}
	if err := store.SaveCheckpoint(ctx, c); err != nil {
		return c, false, err
	}
	return c, true, nil
}

// checkpointLoop takes a checkpoint every period while the ledger grows,
// until ctx ends. It logs the checkpoint's seq and key ID, never the key.
func checkpointLoop(ctx context.Context, log *slog.Logger, store *storage.LedgerStore, keyPath string, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	warned := false
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			// The server never creates the installation key: several nodes
			// on one database would each create their own. It is created
			// once, by "chengguan ledger checkpoint", and shared.
			if _, err := os.Stat(keyPath); errors.Is(err, os.ErrNotExist) {
				if !warned {
					log.Warn("no ledger key: periodic checkpoints wait until `chengguan ledger checkpoint` creates it", "path", keyPath)
					warned = true
				}
				continue
			}
			c, fresh, err := takeCheckpoint(ctx, store, keyPath, now)
			switch {
			case errors.Is(err, errEmptyLedger) || (err == nil && !fresh):
			case err != nil:
				if ctx.Err() != nil {
					return
				}
				log.Error("ledger checkpoint failed", "err", err.Error())
			default:
				log.Info("ledger checkpoint", "seq", c.Seq, "key_id", c.KeyID)
			}
		}
	}
}

// ledgerVerify checks the chain in the database against the checkpoints in
// the given files and those stored, with keys from the verifier's own copy.
func ledgerVerify(flags *flag.FlagSet) runFunc {
	var cpFiles, keyFiles fileList
	flags.Var(&cpFiles, "checkpoint", "checkpoint JSON file kept outside the database (repeatable)")
	flags.Var(&keyFiles, "public-key", "trusted public key PEM (repeatable); default: the public half of --ledger-key")
	skipEvidence := flags.Bool("skip-evidence", false, "do not re-hash the evidence files the ledger names")
	return func(ctx context.Context, cfg *config.Config, env Env) error {
		type sourced struct {
			c    ledger.Checkpoint
			from string
		}
		var cps []sourced
		for _, f := range cpFiles {
			data, err := os.ReadFile(f)
			if err != nil {
				return usageError{err.Error()}
			}
			cs, err := ledger.ParseCheckpoints(data)
			if err != nil {
				return usageError{fmt.Sprintf("%s: %v", f, err)}
			}
			for _, c := range cs {
				cps = append(cps, sourced{c, f})
			}
		}
		var keys []ed25519.PublicKey
		for _, f := range keyFiles {
			data, err := os.ReadFile(f)
			if err != nil {
				return usageError{err.Error()}
			}
			pub, err := ledger.ParsePublicKey(data)
			if err != nil {
				return usageError{fmt.Sprintf("%s: %v", f, err)}
			}
			keys = append(keys, pub)
		}
		// Opened, not migrated: verifying must not change the database (it
		// may be a copy handed over for inspection).
		db, err := storage.Open(ctx, cfg.DB)
		if err != nil {
			return err
		}
		defer db.Close()
		if v, _, err := db.SchemaVersion(ctx); err != nil {
			return err
		} else if v < ledgerSchema {
			return fmt.Errorf("the database has no ledger tables yet (schema version %d): run chengguan migrate", v)
		}
		store := storage.NewLedgerStore(db)
		stored, err := store.Checkpoints(ctx)
		if err != nil {
			return err
		}
		fromFiles := len(cps)
		for _, c := range stored {
			cps = append(cps, sourced{c, "the database"})
		}
		if len(keys) == 0 && len(cps) > 0 {
			key, err := loadKey(cfg.LedgerKeyPath())
			if errors.Is(err, fs.ErrNotExist) {
				return fmt.Errorf("%d checkpoint(s) to check (%d from files, %d stored) but no key to check them with: the installation key %s does not exist; give the installation's public key with --public-key FILE",
					len(cps), fromFiles, len(stored), cfg.LedgerKeyPath())
			}
			if err != nil {
				return err
			}
			keys = append(keys, key.Public().(ed25519.PublicKey))
		}
		// Check each signature here, to name where a bad checkpoint came from.
		all := make([]ledger.Checkpoint, len(cps))
		for i, s := range cps {
			if err := s.c.Check(keys...); err != nil {
				return fmt.Errorf("checkpoint of record %d from %s (key %s) is not signed by a trusted key (%s): %w",
					s.c.Seq, s.from, s.c.KeyID, keyIDs(keys), err)
			}
			all[i] = s.c
		}
		// The ledger names every evidence file by its hash: collect them while
		// the chain streams past, and check the files once the chain is sound.
		var files []evidenceRef
		records := func(yield func(ledger.Record, error) bool) {
			for r, err := range store.Records(ctx) {
				if err == nil && r.Subject.Kind == urban.EvidenceSubject && r.After != "" {
					files = append(files, evidenceRef{seq: r.Seq, id: r.ID, sha: r.After})
				}
				if !yield(r, err) {
					return
				}
			}
		}
		sum, err := ledger.Verify(records, ledger.Options{Checkpoints: all, Keys: keys})
		var bad *ledger.Error
		if errors.As(err, &bad) {
			id := bad.ID
			if id == "" {
				id = "(missing)"
			}
			return fmt.Errorf("ledger TAMPERED: first bad record: seq %d, id %s, %s: %s (the chain holds up to record %d)",
				bad.Seq, id, bad.Kind, bad.Detail, sum.Head.Seq)
		}
		if err != nil {
			return err
		}
		checked := -1
		if !*skipEvidence {
			if checked, err = checkEvidence(ctx, cfg.EvidenceDirPath(), files); err != nil {
				return err
			}
		}
		fmt.Fprintln(env.Stdout, verifySummary(sum, all, fromFiles, checked))
		return nil
	}
}

// evidenceRef is an evidence file named by a ledger record.
type evidenceRef struct {
	seq     int64
	id, sha string
}

// checkEvidence re-hashes every evidence file the ledger names and fails on
// the first that is missing or altered, naming its record. It returns how
// many files it checked.
func checkEvidence(ctx context.Context, dir string, files []evidenceRef) (int, error) {
	if len(files) == 0 {
		return 0, nil
	}
	if _, err := os.Stat(dir); err != nil {
		return 0, fmt.Errorf("evidence MISSING: the ledger names %d evidence file(s) but the evidence directory %s cannot be read: %v", len(files), dir, err)
	}
	blobs, err := evidence.Open(dir, evidence.Limits{})
	if err != nil {
		return 0, err
	}
	for i, f := range files {
		if err := blobs.Check(ctx, f.sha); err != nil {
			what := "ALTERED"
			if errors.Is(err, evidence.ErrMissing) {
				what = "MISSING"
			}
			return i, fmt.Errorf("evidence %s: file %s of record seq %d (id %s) in %s: %v", what, f.sha, f.seq, f.id, dir, err)
		}
	}
	return len(files), nil
}

// verifySummary is the one line a sound ledger gets; every checkpoint in cps
// (the first fromFiles of them from files) has matched.
// checked is the number of evidence files re-hashed, -1 when skipped.
func verifySummary(sum ledger.Summary, cps []ledger.Checkpoint, fromFiles, checked int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "ledger sound: %d records, head seq %d", sum.Records, sum.Head.Seq)
	if sum.Head.Seq > 0 {
		fmt.Fprintf(&b, " (hash %s…)", sum.Head.Hash[:16])
	}
	var last int64
	for _, c := range cps {
		last = max(last, c.Seq)
	}
	switch {
	case len(cps) == 0 && sum.Records > 0:
		b.WriteString("; no checkpoint checked: a truncated or rewritten chain cannot be seen without one")
	case len(cps) > 0:
		fmt.Fprintf(&b, "; %d checkpoint(s) checked (%d from files, %d stored), the last at seq %d",
			len(cps), fromFiles, len(cps)-fromFiles, last)
		if sum.Head.Seq > last {
			fmt.Fprintf(&b, "; records %d–%d are not under a checkpoint yet", last+1, sum.Head.Seq)
		}
	}
	if checked < 0 {
		b.WriteString("; evidence files: not checked (--skip-evidence)")
	} else {
		fmt.Fprintf(&b, "; evidence files: %d checked, all intact", checked)
	}
	return b.String()
}

func keyIDs(keys []ed25519.PublicKey) string {
	var ids []string
	for _, k := range keys {
		ids = append(ids, "key "+ledger.KeyID(k))
	}
	if len(ids) == 0 {
		return "none"
	}
	return strings.Join(ids, ", ")
}

// ledgerPubkey prints the installation key's public half, the PEM that
// whoever keeps the checkpoints needs to check them.
func ledgerPubkey(*flag.FlagSet) runFunc {
	return func(_ context.Context, cfg *config.Config, env Env) error {
		key, err := loadKey(cfg.LedgerKeyPath())
		if errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("no installation key at %s yet: the first checkpoint creates it (chengguan ledger checkpoint)", cfg.LedgerKeyPath())
		}
		if err != nil {
			return err
		}
		pem, err := ledger.MarshalPublicKey(key.Public().(ed25519.PublicKey))
		if err != nil {
			return err
		}
		_, err = env.Stdout.Write(pem)
		return err
	}
}

// loadKey reads the installation key. Errors name the file, never its
// content.
func loadKey(path string) (ed25519.PrivateKey, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("installation key: %w", err)
	}
	key, err := ledger.ParsePrivateKey(data)
	if err != nil {
		return nil, fmt.Errorf("installation key %s: %w", path, err)
	}
	return key, nil
}

// createKey makes a new installation key at path (0600; its directory 0700
// if created). The file appears complete or not at all, and never replaces
// an existing key: when another process created one first, that one is
// returned.
func createKey(path string) (ed25519.PrivateKey, error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("installation key: %w", err)
	}
	key, err := ledger.GenerateKey()
	if err != nil {
		return nil, err
	}
	data, err := ledger.MarshalPrivateKey(key)
	if err != nil {
		return nil, err
	}
	tmp, err := os.CreateTemp(dir, ".ledger-key-*.tmp") // mode 0600
	if err != nil {
		return nil, fmt.Errorf("installation key: %w", err)
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.Write(data)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, fmt.Errorf("installation key: %w", err)
	}
	// A hard link fails if path exists, where a rename would replace it.
	if err := os.Link(tmp.Name(), path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return loadKey(path)
		}
		return nil, fmt.Errorf("installation key: %w", err)
	}
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync() // make the new name durable
		d.Close()
	}
	return key, nil
}
