// Package web is chengguan's HTTP layer: the JSON API under /api/v1 (OpenAPI
// 3.1 by huma), the server-rendered staff UI, health and metrics. Handlers
// decode, call a service, and encode; permission rules live in the services.
package web

import (
	"embed"
	"io/fs"
	"log/slog"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"chengguan/internal/apperr"
	"chengguan/internal/calendar"
	"chengguan/internal/config"
	"chengguan/internal/grid"
	"chengguan/internal/i18n"
	"chengguan/internal/identity"
	"chengguan/internal/ids"
	"chengguan/internal/intake"
	"chengguan/internal/open311"
	"chengguan/internal/personnel"
	"chengguan/internal/storage"
	"chengguan/internal/urban"
	"chengguan/internal/urban/taxonomy"
)

//go:embed static
var staticFiles embed.FS

// Server holds the dependencies of every handler.
type Server struct {
	cfg       config.Config
	db        *storage.DB
	identity  *identity.Service
	calendar  *calendar.Service
	grid      *grid.Service
	areas     *grid.AreaService
	taxonomy  *taxonomy.Service
	personnel *personnel.Service
	ledger    *storage.LedgerStore
	urban     *urban.Service
	i18n      *i18n.Bundle
	log       *slog.Logger
	pages     *pages
	metrics   *metrics
	registry  *prometheus.Registry
	startedAt time.Time
	throttle  *loginThrottle
	// reportThrottle bounds the public reports one client address makes an hour.
	reportThrottle *loginThrottle
	csp            string
	proxies        []netip.Prefix
}

// Deps are what New needs.
type Deps struct {
	Config   config.Config
	DB       *storage.DB
	Identity *identity.Service
	Calendar *calendar.Service
	Grid     *grid.Service
	// Areas are the responsibility areas (责任区); nil builds a service
	// over DB. Hand the one the case service suggests departments from, so
	// that an import through the API is seen by both at once.
	Areas    *grid.AreaService
	Taxonomy *taxonomy.Service
	Ledger   *storage.LedgerStore
	Urban    *urban.Service
	// Personnel is the personnel subsystem; nil builds one over DB with
	// the default options.
	Personnel *personnel.Service
	I18n      *i18n.Bundle
	Log       *slog.Logger
}

// New builds the server and parses its templates.
func New(d Deps) (*Server, error) {
	p, err := parsePages()
	if err != nil {
		return nil, err
	}
	proxies, err := d.Config.Proxies()
	if err != nil {
		return nil, err
	}
	reg := prometheus.NewRegistry()
	if d.Areas == nil {
		d.Areas = grid.NewAreaService(storage.NewGridStore(d.DB), storage.NewIdentityStore(d.DB), ids.New, nil)
	}
	if d.Personnel == nil {
		d.Personnel = personnel.NewService(storage.NewPersonnelStore(d.DB), ids.New, nil,
			personnel.Options{MinPer10k: float64(d.Config.PersonnelMinPer10k)})
	}
	return &Server{personnel: d.Personnel,
		cfg: d.Config, db: d.DB, identity: d.Identity, calendar: d.Calendar, grid: d.Grid, areas: d.Areas, taxonomy: d.Taxonomy,
		ledger: d.Ledger, urban: d.Urban, i18n: d.I18n, log: d.Log,
		pages: p, metrics: newMetrics(reg), registry: reg, startedAt: time.Now(),
		throttle: newLoginThrottle(d.Config.LoginClientLimit, d.Config.LoginClientWindow), proxies: proxies,
		reportThrottle: newLoginThrottle(d.Config.ReportClientLimit, time.Hour),
		csp:            contentSecurityPolicy(d.Config.MapTiles),
	}, nil
}

// Handler returns the whole HTTP handler with its middleware.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	s.routes(mux)
	cop := http.NewCrossOriginProtection()
	for _, o := range s.cfg.Origins() {
		_ = cop.AddTrustedOrigin(o) // validated by config.Validate
	}
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.writeError(w, r, errCrossOrigin)
	}))
	var h http.Handler = s.unmatched(mux)
	h = s.authenticate(h)
	h = cop.Handler(h)
	h = s.limitBody(h)
	h = s.securityHeaders(h)
	h = s.observe(h)
	return h
}

func (s *Server) routes(mux *http.ServeMux) {
	static, _ := fs.Sub(staticFiles, "static")
	mux.Handle("GET /static/", http.StripPrefix("/static/", cacheStatic(http.FileServerFS(static))))
	mux.HandleFunc("GET /healthz", s.healthz)
	mux.HandleFunc("GET /readyz", s.readyz)
	mux.Handle("GET /metrics", s.metricsHandler())
	s.apiRoutes(mux)
	mux.HandleFunc("GET /cases/{id}/evidence/{sha}", s.serveEvidence)
	if s.urban != nil {
		backend := &intake.Open311{Cases: s.urban, Catalog: s.taxonomy, Identity: s.identity}
		mux.Handle("/open311/v2/", open311.Handler(backend, open311.Options{Prefix: "/open311/v2",
			BaseURL: s.cfg.SiteURL() + "/open311/v2", KeyService: s.cfg.SiteURL(), MaxBodyBytes: s.cfg.MaxBodyBytes,
			Zone: calendar.Location(), I18n: s.i18n, Logger: s.log}))
	}
	s.uiRoutes(mux)
}

// unmatched answers requests no route takes with the error shape (JSON, or
// a page for a browser) instead of the mux's plain-text 404 and 405.
func (s *Server) unmatched(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, pattern := mux.Handler(r); pattern != "" {
			mux.ServeHTTP(w, r)
			return
		}
		var allowed []string
		for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
			probe := r.Clone(r.Context())
			probe.Method = m
			if _, p := mux.Handler(probe); p != "" && m != r.Method {
				allowed = append(allowed, m)
			}
		}
		if len(allowed) > 0 {
			w.Header().Set("Allow", strings.Join(allowed, ", "))
			s.writeError(w, r, apperr.New(apperr.BadMethod, ""))
			return
		}
		s.writeError(w, r, apperr.New(apperr.NotFound, ""))
	})
}
