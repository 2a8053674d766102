package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"chengguan/internal/identity"
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
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				b.Fatalf("status %d", resp.StatusCode)
			}
		}
	})
}
