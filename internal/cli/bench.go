package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"chengguan/internal/config"
	"chengguan/internal/demo"
	"chengguan/internal/identity"
	"chengguan/internal/loadgen"
)

// benchMe measures an authenticated GET /api/v1/me against a real server
// process with the demo city, reporting throughput, latency percentiles and
// the server's peak resident memory against the targets of the foundation
// issue (≥ 15,000 req/s, p99 < 10 ms at 64 connections, RSS < 100 MiB).
func benchMe(fs *flag.FlagSet) runFunc {
	rate := fs.Int("rate", 15000, "requests per second, open loop; 0 = as fast as possible (closed loop)")
	conns := fs.Int("connections", 64, "concurrent keep-alive connections")
	duration := fs.Duration("duration", 20*time.Second, "measured duration")
	warmup := fs.Duration("warmup", 3*time.Second, "unmeasured warm-up")
	onDB := fs.String("on-db", "", "database for the server under test (default: a new temporary SQLite file)")
	return func(ctx context.Context, cfg *config.Config, env Env) error {
		// The load generator's own garbage collection would add its pauses
		// to the latencies it measures; give it room. The server keeps the
		// runtime's defaults.
		debug.SetGCPercent(400)
		dsn, cleanup, err := benchDSN(*onDB)
		if err != nil {
			return err
		}
		defer cleanup()
		bcfg := *cfg
		bcfg.DB = dsn
		srv, err := startBenchServer(ctx, &bcfg, identity.RoleAdmin)
		if err != nil {
			return err
		}
		defer srv.close()
		token := srv.token
		res, err := loadgen.Run(ctx, loadgen.Plan{
			NewRequest: func(ctx context.Context) (*http.Request, error) {
				req, err := http.NewRequestWithContext(ctx, http.MethodGet, srv.base+"/api/v1/me", nil)
				if err == nil {
					req.Header.Set("Authorization", "Bearer "+token)
				}
				return req, err
			},
			Connections: *conns, Rate: *rate, Duration: *duration, Warmup: *warmup, WantStatus: http.StatusOK,
		})
		if err != nil {
			return err
		}
		mode := fmt.Sprintf("open loop at %d req/s", *rate)
		if *rate == 0 {
			mode = "closed loop, as fast as possible"
		}
		rss := float64(srv.peak.Load()) / 1024
		w := env.Stdout
		fmt.Fprintf(w, "GET /api/v1/me, bearer token, %d connections, %s, %s measured after %s warm-up, server on %s\n",
			*conns, mode, *duration, *warmup, srv.dialect)
		fmt.Fprintln(w, res)
		fmt.Fprintf(w, "server peak RSS: %.1f MiB\n", rss)
		// Open loop: the server sustained the rate when (almost) every
		// scheduled request completed in the window. Closed loop: the rate
		// it reached.
		sustained := res.Throughput() >= 15000
		if *rate > 0 {
			scheduled := float64(*rate) * duration.Seconds()
			fmt.Fprintf(w, "completed %d of %.0f scheduled requests (%.2f%%)\n", res.Requests, scheduled, 100*float64(res.Requests)/scheduled)
			sustained = *rate >= 15000 && float64(res.Requests) >= 0.999*scheduled
		}
		fmt.Fprintf(w, "targets: ≥ 15000 req/s: %s; p99 < 10 ms: %s; RSS < 100 MiB: %s\n",
			verdict(sustained), verdict(res.Percentile(99) < 10*time.Millisecond), verdict(rss < 100))
		return nil
	}
}

// benchDSN is the database a benchmark runs on: the one given, or a new
// SQLite file that cleanup removes.
func benchDSN(given string) (dsn string, cleanup func(), err error) {
	if given != "" {
		return given, func() {}, nil
	}
	dir, err := os.MkdirTemp("", "chengguan-bench-")
	if err != nil {
		return "", nil, err
	}
	return filepath.Join(dir, "bench.db"), func() { os.RemoveAll(dir) }, nil
}

// benchServer is a "chengguan serve" child under test, with the API token of
// an account of role in the demo city and the server's peak RSS (KiB) sampled.
type benchServer struct {
	*child
	token string
	peak  atomic.Int64
	close func()
}

// startBenchServer adds the account, starts the server on cfg.DB, signs in
// and starts sampling; close undoes all of it.
func startBenchServer(ctx context.Context, cfg *config.Config, role identity.Role) (*benchServer, error) {
	username, password, done, err := benchAccount(ctx, cfg, role)
	if err != nil {
		return nil, err
	}
	exe, err := os.Executable()
	if err != nil {
		done()
		return nil, err
	}
	srv, err := startChild(ctx, exe, cfg.DB, cfg.LogLevel)
	if err != nil {
		done()
		return nil, err
	}
	b := &benchServer{child: srv}
	if b.token, err = demoAPIToken(ctx, srv.base, username, password); err != nil {
		srv.stop()
		done()
		return nil, err
	}
	sampleCtx, stopSampling := context.WithCancel(ctx)
	go sampleRSS(sampleCtx, srv.cmd.Process.Pid, &b.peak)
	b.close = func() {
		stopSampling()
		srv.stop()
		done()
	}
	return b, nil
}

func verdict(ok bool) string {
	if ok {
		return "met"
	}
	return "NOT met"
}

// child is a "chengguan serve" process started by a benchmark.
type child struct {
	cmd     *exec.Cmd
	base    string
	dialect string
}

// startChild runs the chengguan executable exe as "serve" on a free
// loopback port and returns once it has printed its address.
// Its logs go to the null device: written, as in production, but not kept.
func startChild(ctx context.Context, exe, dsn, logLevel string) (*child, error) {
	cmd := exec.CommandContext(ctx, exe, "serve", "--db", dsn, "--addr", "127.0.0.1:0", "--log-level", logLevel)
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	c := &child{cmd: cmd}
	line, err := bufio.NewReader(out).ReadString('\n')
	go func() { _, _ = io.Copy(io.Discard, out) }()
	i := strings.Index(line, "http://")
	if err != nil || i < 0 {
		c.stop()
		return nil, fmt.Errorf("server did not start: %q %v", line, err)
	}
	fields := strings.Fields(line[i:])
	c.base = fields[0]
	if len(fields) > 1 {
		c.dialect = strings.Trim(fields[1], "()")
	}
	return c, nil
}

func (c *child) stop() {
	_ = c.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = c.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		_ = c.cmd.Process.Kill()
		<-done
	}
}

// benchAccount loads the demo city if it is missing and adds an account
// with role in the city, with a password the benchmark knows. The account
// is disabled when the benchmark ends.
func benchAccount(ctx context.Context, cfg *config.Config, role identity.Role) (username, password string, done func(), err error) {
	a, err := open(ctx, cfg)
	if err != nil {
		return "", "", nil, err
	}
	defer a.db.Close()
	if _, err := demo.Load(ctx, a.identity, demo.RandomPassword); err != nil {
		return "", "", nil, err
	}
	sys := identity.System()
	city, err := a.identity.UnitByCode(ctx, sys, demo.CityCode)
	if err != nil {
		return "", "", nil, err
	}
	password = demo.RandomPassword("")
	acc, err := a.identity.CreateAccount(ctx, sys, identity.AccountInput{
		Username: "bench-" + strings.ReplaceAll(password[:9], "-", ""), DisplayName: "bench", Password: password,
		Assignments: []identity.AssignmentInput{{Role: role, UnitID: city.ID}}})
	if err != nil {
		return "", "", nil, err
	}
	done = func() {
		if b, err := open(context.Background(), cfg); err == nil {
			_, _ = b.identity.UpdateAccount(context.Background(), sys, acc.ID, identity.AccountPatch{Disabled: new(true)})
			b.db.Close()
		}
	}
	return acc.Username, password, done, nil
}

// demoAPIToken signs in through the login form, as a browser would, and
// issues an API token through the API.
func demoAPIToken(ctx context.Context, base, username, password string) (string, error) {
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	post := func(path, contentType, body string) (*http.Response, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+path, strings.NewReader(body))
		if err != nil {
			return nil, err
		}
		req.Header.Set("Content-Type", contentType)
		req.Header.Set("Origin", base)
		return client.Do(req)
	}
	resp, err := post("/login", "application/x-www-form-urlencoded",
		url.Values{"username": {username}, "password": {password}}.Encode())
	if err != nil {
		return "", err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		return "", fmt.Errorf("sign-in as %s: status %d", username, resp.StatusCode)
	}
	resp, err = post("/api/v1/tokens", "application/json", `{"name":"bench"}`)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var out struct {
		Token string `json:"token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != http.StatusCreated || out.Token == "" {
		return "", fmt.Errorf("create token: status %d: %v", resp.StatusCode, err)
	}
	return out.Token, nil
}

// sampleRSS records the peak resident set (KiB) of a process every 100 ms.
func sampleRSS(ctx context.Context, pid int, peak *atomic.Int64) {
	path := fmt.Sprintf("/proc/%d/status", pid)
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for {
		if raw, err := os.ReadFile(path); err == nil {
			for _, l := range strings.Split(string(raw), "\n") {
				if v, ok := strings.CutPrefix(l, "VmRSS:"); ok {
					kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
					if kb > peak.Load() {
						peak.Store(kb)
					}
				}
			}
		} else if errors.Is(err, os.ErrNotExist) {
			return
		}
		select {
		case <-t.C:
		case <-ctx.Done():
			return
		}
	}
}
