package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"runtime/debug"
	"strings"
	"sync/atomic"
	"time"

	"chengguan/internal/config"
	"chengguan/internal/demo"
	"chengguan/internal/identity"
	"chengguan/internal/intake"
	"chengguan/internal/loadgen"
	"chengguan/internal/storage"
	"chengguan/internal/urban"
)

// caseScenario is one measured load of the closed loop, with the bar issue 4 sets.
type caseScenario struct {
	name, what string
	rate       int           // default open-loop rate; 0 = closed loop
	conns      int           // connections when --connections is not given; 0 = its default
	minRate    float64       // throughput bar, req/s; 0 = none
	p99, p95   time.Duration // latency bars; 0 = none
	status     int
	request    func(b *caseBench, r *rand.Rand) (*http.Request, error)
}

// caseBench is what the scenarios share: the server, credentials and samples of the data.
type caseBench struct {
	ctx      context.Context
	base     string
	token    string
	key      string
	numbers  []string
	services []string
	depts    []string
	cases    int
}

var caseScenarios = []caseScenario{
	{name: "open311-post", what: "Open311 POST requests.json (durable: each answer after the commit)", rate: 2000,
		minRate: 2000, p99: 50 * time.Millisecond, status: http.StatusOK,
		request: func(b *caseBench, r *rand.Rand) (*http.Request, error) {
			// A point inside the demo city's grid.
			lat := 33.7160 + r.Float64()*0.0590
			lon := 113.1520 + r.Float64()*0.0790
			form := url.Values{"api_key": {b.key}, "service_code": {b.services[r.IntN(len(b.services))]},
				"lat": {fmt.Sprintf("%.6f", lat)}, "long": {fmt.Sprintf("%.6f", lon)},
				"description": {"压力测试上报：路边垃圾"}, "first_name": {"测"}, "last_name": {"试"}, "phone": {"13800000000"}}
			req, err := http.NewRequestWithContext(b.ctx, http.MethodPost, b.base+"/open311/v2/requests.json", strings.NewReader(form.Encode()))
			if err == nil {
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			}
			return req, err
		}},
	{name: "open311-get", what: "Open311 GET requests/{id}.json", minRate: 10000, status: http.StatusOK,
		request: func(b *caseBench, r *rand.Rand) (*http.Request, error) {
			return http.NewRequestWithContext(b.ctx, http.MethodGet, b.base+"/open311/v2/requests/"+b.numbers[r.IntN(len(b.numbers))]+".json", nil)
		}},
	{name: "open311-list", what: "Open311 GET requests.json, 50 results", minRate: 2000, status: http.StatusOK,
		request: func(b *caseBench, r *rand.Rand) (*http.Request, error) {
			q := "page_size=50"
			if r.IntN(2) == 0 {
				q += "&status=open"
			}
			return http.NewRequestWithContext(b.ctx, http.MethodGet, b.base+"/open311/v2/requests.json?"+q, nil)
		}},
	{name: "staff-list", what: "staff case list with filters (GET /api/v1/cases, 50 a page)", rate: 200,
		p95: 50 * time.Millisecond, status: http.StatusOK,
		request: func(b *caseBench, r *rand.Rand) (*http.Request, error) {
			filters := []string{"state=dispatched", "state=reported,filed", "overdue=true", "department_id=" + b.depts[r.IntN(len(b.depts))],
				"state=closed&department_id=" + b.depts[r.IntN(len(b.depts))], "q=" + url.QueryEscape("垃圾"), "pending=true", "channel=hotline"}
			req, err := http.NewRequestWithContext(b.ctx, http.MethodGet, b.base+"/api/v1/cases?limit=50&"+filters[r.IntN(len(filters))], nil)
			if err == nil {
				req.Header.Set("Authorization", "Bearer "+b.token)
			}
			return req, err
		}},
	// One supervisor at a time opens a month's figures: the bar is the time of one.
	{name: "indicators", what: "a month's indicators by any dimension (GET /api/v1/indicators), one at a time", conns: 1,
		p99: 500 * time.Millisecond, status: http.StatusOK,
		request: func(b *caseBench, r *rand.Rand) (*http.Request, error) {
			month := time.Now().AddDate(0, -r.IntN(11), 0)
			from := time.Date(month.Year(), month.Month(), 1, 0, 0, 0, 0, time.UTC)
			dims := []string{"department", "street", "district", "grid", "inspector"}
			req, err := http.NewRequestWithContext(b.ctx, http.MethodGet, fmt.Sprintf("%s/api/v1/indicators?dimension=%s&from=%s&to=%s",
				b.base, dims[r.IntN(len(dims))], from.Format("2006-01-02"), from.AddDate(0, 1, 0).Format("2006-01-02")), nil)
			if err == nil {
				req.Header.Set("Authorization", "Bearer "+b.token)
			}
			return req, err
		}},
}

// benchCases measures the closed loop's bars of issue 4 against a real server process.
func benchCases(fs *flag.FlagSet) runFunc {
	only := fs.String("scenario", "all", "open311-post, open311-get, open311-list, staff-list, indicators or all")
	rateFlag := fs.Int("rate", -1, "requests per second, open loop; 0 = closed loop; default: each scenario's own")
	conns := fs.Int("connections", 64, "concurrent keep-alive connections (indicators: 1 unless given)")
	duration := fs.Duration("duration", 15*time.Second, "measured duration of each scenario")
	warmup := fs.Duration("warmup", 2*time.Second, "unmeasured warm-up of each scenario")
	onDB := fs.String("on-db", "", "database with the demo city and its cases (chengguan demo --cases N); default: a new SQLite file with 10,000 cases")
	return func(ctx context.Context, cfg *config.Config, env Env) error {
		debug.SetGCPercent(400)
		var chosen []caseScenario
		for _, s := range caseScenarios {
			if *only == "all" || *only == s.name {
				chosen = append(chosen, s)
			}
		}
		if len(chosen) == 0 {
			return usageError{"--scenario: unknown " + *only}
		}
		dsn, cleanup, err := benchDSN(*onDB)
		if err != nil {
			return err
		}
		defer cleanup()
		bcfg := *cfg
		bcfg.DB = dsn
		if *onDB == "" {
			if err := loadDemoCity(ctx, &bcfg, Env{Stdout: discard{}, Stderr: env.Stderr}); err != nil {
				return err
			}
			if err := withApp(ctx, &bcfg, func(a *app) error {
				return demo.SyntheticCases(ctx, a.identity, a.grid, a.taxonomy, storage.NewUrbanStore(a.db), 10_000, 1, time.Now(), nil)
			}); err != nil {
				return err
			}
		}
		b := &caseBench{ctx: ctx}
		if err := withApp(ctx, &bcfg, func(a *app) error { return b.sample(ctx, a) }); err != nil {
			return err
		}
		srv, err := startBenchServer(ctx, &bcfg, identity.RoleSupervisor)
		if err != nil {
			return err
		}
		defer srv.close()
		b.base, b.token = srv.base, srv.token
		w := env.Stdout
		connsSet := false
		fs.Visit(func(f *flag.Flag) { connsSet = connsSet || f.Name == "connections" })
		fmt.Fprintf(w, "server on %s with %d cases; %s measured after %s warm-up per scenario\n",
			srv.dialect, b.cases, *duration, *warmup)
		for _, s := range chosen {
			rate := s.rate
			if *rateFlag >= 0 {
				rate = *rateFlag
			}
			n := *conns
			if s.conns > 0 && !connsSet {
				n = s.conns
			}
			var seq atomic.Uint64
			pid := srv.cmd.Process.Pid
			var cpu0, gen0 time.Duration
			var cpuOK bool
			res, err := loadgen.Run(ctx, loadgen.Plan{
				Measuring: func() {
					cpu0, cpuOK = loadgen.ProcessCPU(pid)
					gen0, _ = loadgen.ProcessCPU(os.Getpid())
				},
				NewRequest: func(ctx context.Context) (*http.Request, error) {
					n := seq.Add(1)
					return s.request(b, rand.New(rand.NewPCG(n, n*0x9e3779b97f4a7c15)))
				},
				Connections: n, Rate: rate, Duration: *duration, Warmup: *warmup, WantStatus: s.status,
			})
			if err != nil {
				return fmt.Errorf("%s: %w", s.name, err)
			}
			mode := fmt.Sprintf("open loop at %d req/s, %d connections", rate, n)
			if rate == 0 {
				mode = fmt.Sprintf("closed loop, %d connections", n)
			}
			fmt.Fprintf(w, "\n%s — %s, %s\n%s\n", s.name, s.what, mode, res)
			if cpu1, ok := loadgen.ProcessCPU(pid); ok && cpuOK && res.Requests > 0 {
				// What contention on shared cores changes least: the server's own work.
				gen1, _ := loadgen.ProcessCPU(os.Getpid())
				perReq := func(d time.Duration) float64 { return float64(d.Microseconds()) / float64(res.Requests) }
				cores := func(d time.Duration) float64 { return d.Seconds() / res.Elapsed.Seconds() }
				fmt.Fprintf(w, "server CPU: %.0f µs a request (%.2f cores); load generator: %.0f µs a request (%.2f cores)\n",
					perReq(cpu1-cpu0), cores(cpu1-cpu0), perReq(gen1-gen0), cores(gen1-gen0))
			}
			var bars []string
			if s.minRate > 0 {
				ok := res.Throughput() >= s.minRate
				if rate > 0 {
					ok = float64(rate) >= s.minRate && float64(res.Requests) >= 0.999*float64(rate)*duration.Seconds()
				}
				bars = append(bars, fmt.Sprintf("≥ %.0f req/s: %s", s.minRate, verdict(ok)))
			}
			if s.p99 > 0 {
				bars = append(bars, fmt.Sprintf("p99 < %s: %s", s.p99, verdict(res.Requests > 0 && res.Percentile(99) < s.p99)))
			}
			if s.p95 > 0 {
				bars = append(bars, fmt.Sprintf("p95 < %s: %s", s.p95, verdict(res.Requests > 0 && res.Percentile(95) < s.p95)))
			}
			fmt.Fprintf(w, "targets: %s\n", strings.Join(bars, "; "))
		}
		fmt.Fprintf(w, "\nserver peak RSS: %.1f MiB\n", float64(srv.peak.Load())/1024)
		return nil
	}
}

// sample reads what the scenarios draw from: case numbers, service codes, departments,
// and an Open311 key it creates.
func (b *caseBench) sample(ctx context.Context, a *app) error {
	cases := urban.NewService(urban.Deps{Store: storage.NewUrbanStore(a.db)})
	list, err := cases.PublicList(ctx, urban.Filter{Limit: 1000})
	if err != nil {
		return err
	}
	if len(list) == 0 {
		return errors.New("the database has no cases: load some with chengguan demo --cases N")
	}
	b.cases, err = storage.NewUrbanStore(a.db).CountCases(ctx, urban.Filter{Scope: identity.Scope{All: true}})
	if err != nil {
		return err
	}
	for _, c := range list {
		b.numbers = append(b.numbers, c.Number)
	}
	cats, err := a.taxonomy.Enabled(ctx)
	if err != nil {
		return err
	}
	seen := map[string]bool{}
	for _, c := range cats {
		b.services = append(b.services, intake.ServiceCode(c))
		if c.DepartmentID != "" && !seen[c.DepartmentID] {
			seen[c.DepartmentID] = true
			b.depts = append(b.depts, c.DepartmentID)
		}
	}
	b.key, _, err = a.identity.CreateOpen311Key(ctx, identity.System(), "bench "+time.Now().Format(time.RFC3339))
	return err
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
