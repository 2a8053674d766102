// Package loadgen drives HTTP load for chengguan's benchmarks. It runs open
// loop at a fixed rate — each request has a scheduled start time and its
// latency counts from that time, so a slow server cannot hide its queue
// (no coordinated omission) — or closed loop at full speed when Rate is 0.
package loadgen

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"sync"
	"time"
)

// Plan is one load run.
type Plan struct {
	// NewRequest builds each request; it must be safe for concurrent use.
	NewRequest func(ctx context.Context) (*http.Request, error)
	// Connections is the number of concurrent keep-alive connections.
	Connections int
	// Rate is requests per second in total; 0 means as fast as possible.
	Rate     int
	Duration time.Duration
	// Warmup runs before measuring and is not counted.
	Warmup time.Duration
	// WantStatus is the status every response must have.
	WantStatus int
	// Measuring, if set, is called when the warm-up has ended and the
	// measured run begins.
	Measuring func()
}

// Result summarises a run.
type Result struct {
	Requests  int
	Errors    int
	Elapsed   time.Duration
	Latencies []time.Duration // sorted
}

// Throughput is completed requests per second.
func (r Result) Throughput() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Requests) / r.Elapsed.Seconds()
}

// Percentile returns the p-th percentile latency (0 < p ≤ 100).
func (r Result) Percentile(p float64) time.Duration {
	if len(r.Latencies) == 0 {
		return 0
	}
	i := int(float64(len(r.Latencies))*p/100+0.5) - 1
	i = min(max(i, 0), len(r.Latencies)-1)
	return r.Latencies[i]
}

func (r Result) String() string {
	return fmt.Sprintf("%d requests in %s: %.0f req/s, errors %d, latency p50 %s p90 %s p99 %s p99.9 %s max %s",
		r.Requests, r.Elapsed.Round(time.Millisecond), r.Throughput(), r.Errors,
		r.Percentile(50), r.Percentile(90), r.Percentile(99), r.Percentile(99.9), r.Percentile(100))
}

// Run executes the plan: a warm-up, then the measured run.
func Run(ctx context.Context, p Plan) (Result, error) {
	if p.Connections < 1 || p.Duration <= 0 || p.NewRequest == nil {
		return Result{}, errors.New("loadgen: need connections ≥ 1, a duration and a request")
	}
	tr := &http.Transport{MaxIdleConnsPerHost: p.Connections, MaxConnsPerHost: p.Connections, DisableCompression: true}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	if p.Warmup > 0 {
		w := p
		w.Duration = p.Warmup
		if _, err := run(ctx, client, w); err != nil {
			return Result{}, err
		}
	}
	if p.Measuring != nil {
		p.Measuring()
	}
	return run(ctx, client, p)
}

func run(ctx context.Context, client *http.Client, p Plan) (Result, error) {
	ctx, cancel := context.WithTimeout(ctx, p.Duration)
	defer cancel()
	// Each slot is a scheduled start time; closed loop uses the zero time.
	slots := make(chan time.Time, p.Connections*4)
	go schedule(ctx, p.Rate, slots)
	var (
		mu     sync.Mutex
		lat    []time.Duration
		errs   int
		wg     sync.WaitGroup
		first  error
		record = func(d time.Duration, err error) {
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs++
				if first == nil {
					first = err
				}
				return
			}
			lat = append(lat, d)
		}
	)
	start := time.Now()
	for i := 0; i < p.Connections; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for at := range slots {
				if at.IsZero() {
					at = time.Now()
				}
				err := once(ctx, client, p)
				if ctx.Err() != nil {
					return
				}
				record(time.Since(at), err)
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	res := Result{Requests: len(lat), Errors: errs, Elapsed: elapsed, Latencies: lat}
	if errs > 0 {
		return res, fmt.Errorf("loadgen: %d failed requests, first: %w", errs, first)
	}
	return res, nil
}

// schedule emits start times at rate per second, or zero times as fast as
// workers take them when rate is 0, until ctx ends.
func schedule(ctx context.Context, rate int, slots chan<- time.Time) {
	defer close(slots)
	if rate <= 0 {
		for {
			select {
			case slots <- time.Time{}:
			case <-ctx.Done():
				return
			}
		}
	}
	interval := time.Second / time.Duration(rate)
	next := time.Now()
	for {
		now := time.Now()
		for !next.After(now) {
			select {
			case slots <- next:
			case <-ctx.Done():
				return
			}
			next = next.Add(interval)
		}
		select {
		case <-time.After(next.Sub(now)):
		case <-ctx.Done():
			return
		}
	}
}

func once(ctx context.Context, client *http.Client, p Plan) error {
	req, err := p.NewRequest(ctx)
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if p.WantStatus != 0 && resp.StatusCode != p.WantStatus {
		return fmt.Errorf("status %d, want %d", resp.StatusCode, p.WantStatus)
	}
	return nil
}
