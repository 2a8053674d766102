package web_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"chengguan/internal/demo"
	"chengguan/internal/identity"
	"chengguan/internal/storage"
	"chengguan/internal/storage/storagetest"
)

// BenchmarkOpen311Post is one durable Open311 report through the whole server in process,
// on SQLite: decoding, grid routing, deadline, the case, its history and ledger record
// committed, and the answer.
func BenchmarkOpen311Post(b *testing.B) {
	db := storagetest.OpenSQLite(b)
	a := startApp(b, db)
	key, _, err := a.Identity.CreateOpen311Key(context.Background(), identity.System(), "bench")
	if err != nil {
		b.Fatal(err)
	}
	form := url.Values{"api_key": {key}, "service_code": {"E0102"}, "lat": {"33.76"}, "long": {"113.2"},
		"description": {"压力测试"}, "phone": {"13800000000"}}.Encode()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 128}}
	b.SetParallelism(32) // 64 clients on 2 cores, as the bar
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			resp, err := client.Post(a.URL+"/open311/v2/requests.json", "application/x-www-form-urlencoded", strings.NewReader(form))
			if err != nil {
				b.Fatal(err)
			}
			_, _ = io.Copy(io.Discard, resp.Body) // read to the end, or the connection is not reused
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				b.Fatalf("status %d", resp.StatusCode)
			}
		}
	})
}

// BenchmarkOpen311List is GET requests.json with 50 results over 5,000 cases.
func BenchmarkOpen311List(b *testing.B) {
	db := storagetest.OpenSQLite(b)
	a := startApp(b, db)
	if err := demo.SyntheticCases(context.Background(), a.Identity, a.Grid, a.Taxonomy, storage.NewUrbanStore(db), 5000, 1, time.Now(), nil); err != nil {
		b.Fatal(err)
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 128}}
	b.SetParallelism(32)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			resp, err := client.Get(a.URL + "/open311/v2/requests.json?page_size=50")
			if err != nil {
				b.Fatal(err)
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				b.Fatalf("status %d", resp.StatusCode)
			}
		}
	})
}
