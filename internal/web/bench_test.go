package web_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"chengguan/internal/calendar"
	"chengguan/internal/config"
	"chengguan/internal/demo"
	"chengguan/internal/grid"
	"chengguan/internal/i18n"
	"chengguan/internal/identity"
	"chengguan/internal/ids"
	"chengguan/internal/storage"
	"chengguan/internal/storage/storagetest"
	"chengguan/internal/web"
)

// BenchmarkAPIMe measures the whole handler chain of an authenticated
// GET /api/v1/me in process (no network): middleware, credential cache,
// huma, JSON. The network figure with 64 connections comes from
// scripts/bench-me.sh; see docs/performance.md.
func BenchmarkAPIMe(b *testing.B) {
	db := storagetest.OpenSQLite(b)
	h, token := benchHandler(b, db)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req := httptest.NewRequest(http.MethodGet, "/api/v1/me", nil)
			req.Header.Set("Authorization", "Bearer "+token)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != http.StatusOK {
				b.Fatalf("status %d: %s", rec.Code, rec.Body.String())
			}
		}
	})
}

func benchHandler(b *testing.B, db *storage.DB) (http.Handler, string) {
	b.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	svc, err := identity.NewService(storage.NewIdentityStore(db), identity.Options{
		Argon2: identity.Argon2Params{MemoryKiB: 64, Time: 1, Threads: 1}})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := demo.Load(ctx, svc, func(string) string { return demoPassword }); err != nil {
		b.Fatal(err)
	}
	gridSvc := grid.NewService(storage.NewGridStore(db), ids.New, nil)
	bundle, err := i18n.New()
	if err != nil {
		b.Fatal(err)
	}
	cfg := config.Default()
	cfg.LogLevel = "warn"
	srv, err := web.New(web.Deps{Config: cfg, DB: db, Identity: svc, Calendar: calendar.NewService(storage.NewCalendarStore(db), ids.New, nil), Grid: gridSvc, Ledger: storage.NewLedgerStore(db), I18n: bundle,
		Log: slog.New(slog.NewJSONHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelWarn}))})
	if err != nil {
		b.Fatal(err)
	}
	_, acc, err := svc.Login(ctx, "admin", demoPassword)
	if err != nil {
		b.Fatal(err)
	}
	token, _, err := svc.CreateAPIToken(ctx, acc.Actor(), "bench", 0)
	if err != nil {
		b.Fatal(err)
	}
	return srv.Handler(), token
}
