package loadgen

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"
)

func TestPercentilePicksNearestRank(t *testing.T) {
	var lat []time.Duration
	for i := 1; i <= 100; i++ {
		lat = append(lat, time.Duration(i)*time.Millisecond)
	}
	r := Result{Latencies: lat}
	cases := map[float64]time.Duration{50: 50 * time.Millisecond, 99: 99 * time.Millisecond, 100: 100 * time.Millisecond, 0.1: time.Millisecond}
	for p, want := range cases {
		if got := r.Percentile(p); got != want {
			t.Errorf("p%v: got %v, want %v", p, got, want)
		}
	}
	if got := (Result{}).Percentile(99); got != 0 {
		t.Errorf("empty result p99: got %v, want 0", got)
	}
}

func TestOpenLoopSendsTheScheduledRequests(t *testing.T) {
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer srv.Close()
	res, err := Run(context.Background(), Plan{
		NewRequest: func(ctx context.Context) (*http.Request, error) {
			return http.NewRequestWithContext(ctx, http.MethodGet, srv.URL, nil)
		},
		Connections: 4, Rate: 200, Duration: time.Second, WantStatus: http.StatusOK,
	})
	if err != nil {
		t.Fatal(err)
	}
	// 200 req/s for one second schedules 200 requests; the last few may
	// still be in flight when the window closes.
	if res.Requests < 150 || res.Requests > 201 {
		t.Fatalf("requests: got %d, want about 200", res.Requests)
	}
	if int64(res.Requests) > hits.Load() {
		t.Fatalf("counted %d requests but the server saw %d", res.Requests, hits.Load())
	}
}

func TestWrongStatusIsAnError(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusUnauthorized)
	}))
	defer srv.Close()
	res, err := Run(context.Background(), Plan{
		NewRequest: func(ctx context.Context) (*http.Request, error) {
			return http.NewRequestWithContext(ctx, http.MethodGet, srv.URL, nil)
		},
		Connections: 2, Duration: 200 * time.Millisecond, WantStatus: http.StatusOK,
	})
	if err == nil || res.Errors == 0 || res.Requests != 0 {
		t.Fatalf("401 answers: got %d ok, %d errors, err %v; want only errors", res.Requests, res.Errors, err)
	}
}
