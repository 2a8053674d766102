package storage_test

import (
	"bytes"
	"context"
	"sync"
	"testing"

	"chengguan/internal/storage"
	"chengguan/internal/storage/storagetest"
)

// TestAnInstallationKeyIsMadeOnceAndEveryCallerGetsIt: nodes racing to make the key
// all get the one that was stored, and later calls read it back, whoever asks.
func TestAnInstallationKeyIsMadeOnceAndEveryCallerGetsIt(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		keys := make([][]byte, 8)
		errs := make([]error, len(keys))
		var wg sync.WaitGroup
		for i := range keys {
			wg.Go(func() { keys[i], errs[i] = db.InstallationKey(ctx, "tracking") })
		}
		wg.Wait()
		for i, k := range keys {
			if errs[i] != nil || len(k) != storage.InstallationKeySize || !bytes.Equal(k, keys[0]) {
				t.Fatalf("caller %d got %x (%v), caller 0 %x", i, k, errs[i], keys[0])
			}
		}
		again, err := storage.NewUrbanStore(db).TrackingKey(ctx)
		if err != nil || !bytes.Equal(again, keys[0]) {
			t.Fatalf("the case store's tracking key is %x (%v), want the stored %x", again, err, keys[0])
		}
		other, err := db.InstallationKey(ctx, "another")
		if err != nil || bytes.Equal(other, keys[0]) {
			t.Fatalf("another key %x (%v) equals the tracking key", other, err)
		}
		var n int
		if err := db.Reader().QueryRowContext(ctx, `SELECT COUNT(*) FROM installation_keys`).Scan(&n); err != nil || n != 2 {
			t.Fatalf("%d keys stored (%v), want 2", n, err)
		}
	})
}
