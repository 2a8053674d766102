package open311

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// The protocol layer's own cost per call, over the in-memory fake backend
// (no network, no database): decoding, validation, encoding.
//
//	go test ./internal/open311 -run '^$' -bench . -benchmem

func BenchmarkPostRequestJSON(b *testing.B) {
	api := newAPI(b, nil)
	body := validRequest().Encode()
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if i%10000 == 0 { // keep the fake's memory flat
			api.fake.mu.Lock()
			api.fake.created, api.fake.requests = nil, nil
			api.fake.mu.Unlock()
		}
		r := httptest.NewRequest(http.MethodPost, "/requests.json", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
		w := httptest.NewRecorder()
		api.h.ServeHTTP(w, r)
		if w.Code != http.StatusOK {
			b.Fatalf("status %d: %s", w.Code, w.Body)
		}
	}
}

func benchGet(b *testing.B, target string) {
	api := newAPI(b, nil)
	for range 50 {
		r := httptest.NewRequest(http.MethodPost, "/requests.json", strings.NewReader(validRequest().Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		api.h.ServeHTTP(httptest.NewRecorder(), r)
	}
	b.ReportAllocs()
	for b.Loop() {
		w := httptest.NewRecorder()
		api.h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, target, nil))
		if w.Code != http.StatusOK {
			b.Fatalf("status %d: %s", w.Code, w.Body)
		}
	}
}

func BenchmarkGetRequestJSON(b *testing.B)    { benchGet(b, "/requests/SR000025.json") }
func BenchmarkGetRequestXML(b *testing.B)     { benchGet(b, "/requests/SR000025.xml") }
func BenchmarkGetRequests50JSON(b *testing.B) { benchGet(b, "/requests.json?page_size=50") }
