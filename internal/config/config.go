// Package config is chengguan's one configuration struct. It is read once in
// main from flags and CHENGGUAN_* environment variables (flags win), passed
// down explicitly, and printable with secrets masked.
package config

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/netip"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"chengguan/internal/storage"
)

// Config is every setting of a chengguan process.
type Config struct {
	// DB is a SQLite file path or a postgres:// URL.
	DB string
	// Addr is the HTTP listen address.
	Addr string
	// LogLevel is debug, info, warn or error.
	LogLevel string
	// SessionTTL and SessionIdle bound a UI session's life.
	SessionTTL  time.Duration
	SessionIdle time.Duration
	// LoginSlowAfter and LoginLockAfter are the failed-login thresholds of
	// one account; LoginClientLimit bounds failed logins from one client
	// address per LoginClientWindow (0 disables).
	LoginSlowAfter    int
	LoginLockAfter    int
	LoginClientLimit  int
	LoginClientWindow time.Duration
	// TrustedProxies are the CIDRs of reverse proxies whose X-Forwarded-For
	// header names the client.
	TrustedProxies string
	// MaxBodyBytes limits every request body.
	MaxBodyBytes int64
	// InsecureCookies drops the Secure attribute, for a test bed served over
	// plain HTTP on a non-loopback address. Never set it in production.
	InsecureCookies bool
	// HSTS sends Strict-Transport-Security on every response: set it when
	// the site is served over HTTPS, also through a TLS-terminating proxy.
	HSTS bool
	// MapTiles is a tile URL template for the map page ({z}/{x}/{y}); empty
	// shows grids on a blank background, with no request leaving the site.
	MapTiles string
	// TrustedOrigins are extra origins allowed to send state-changing requests
	// (a reverse proxy's public origin, e.g. https://cg.example.gov.cn).
	TrustedOrigins string
	// MaxUploadBytes bounds a request that carries evidence files (the
	// evidence store also limits each file by its kind).
	MaxUploadBytes int64
	// ReportClientLimit bounds the public reports (/report) one client
	// address may make an hour; 0 means no limit.
	ReportClientLimit int
	// The city's settings of the 数字城管 loop (internal/urban.Config).
	CaseApproval    string        // moves an operator makes that wait for a shift lead
	CaseReopenDays  int           // how long after closing a case may be reopened
	CaseWarnAt      string        // percentages of a stage's time at which warnings fire
	DuplicateRadius int           // metres
	DuplicateWindow time.Duration // how far back duplicate candidates are sought
	// PublicURL is the site's address as residents and other systems reach
	// it (behind a proxy), e.g. https://cg.example.gov.cn; empty means
	// http://<addr>.
	PublicURL string
	// EvidenceDir is the directory of the evidence store; empty means
	// EvidenceDirPath's default.
	EvidenceDir string
	// LedgerKey is the PEM file of the installation's ed25519 key, which
	// signs ledger checkpoints; empty means LedgerKeyPath's default.
	LedgerKey string
	// CheckpointEvery is how often serve signs a ledger checkpoint when the
	// ledger has grown (0 disables).
	CheckpointEvery time.Duration
	// PersonnelMinPer10k is the staffing minimum of enforcement officers per
	// 10,000 inhabitants (常住 + 暂住) on the personnel board: 5 by default,
	// as one seed city; a regulation in FACTS §5.3 sets 6.
	PersonnelMinPer10k int
}

// Default returns the built-in defaults.
func Default() Config {
	return Config{
		DB:                 "data/chengguan.db",
		Addr:               "127.0.0.1:8080",
		LogLevel:           "info",
		SessionTTL:         12 * time.Hour,
		SessionIdle:        2 * time.Hour,
		LoginSlowAfter:     3,
		LoginLockAfter:     10,
		LoginClientLimit:   30,
		LoginClientWindow:  10 * time.Minute,
		MaxBodyBytes:       1 << 20,
		MaxUploadBytes:     512 << 20,
		CaseApproval:       "void",
		ReportClientLimit:  20,
		CaseReopenDays:     30,
		CaseWarnAt:         "50,80",
		DuplicateRadius:    50,
		DuplicateWindow:    72 * time.Hour,
		CheckpointEvery:    time.Hour,
		PersonnelMinPer10k: 5,
	}
}

type option struct {
	name   string
	usage  string
	ptr    any
	secret bool
}

func (c *Config) options() []option {
	return []option{
		{"db", "SQLite file path or postgres:// URL", &c.DB, true},
		{"addr", "HTTP listen address", &c.Addr, false},
		{"log-level", "log level: debug, info, warn, error", &c.LogLevel, false},
		{"session-ttl", "absolute lifetime of a UI session", &c.SessionTTL, false},
		{"session-idle", "a UI session ends after this much inactivity", &c.SessionIdle, false},
		{"login-slow-after", "failed logins before each attempt must wait", &c.LoginSlowAfter, false},
		{"login-lock-after", "failed logins before the account is locked", &c.LoginLockAfter, false},
		{"login-client-limit", "failed logins allowed from one client address per window (0 = no limit)", &c.LoginClientLimit, false},
		{"login-client-window", "the window of login-client-limit", &c.LoginClientWindow, false},
		{"trusted-proxies", "comma-separated CIDRs of reverse proxies whose X-Forwarded-For names the client", &c.TrustedProxies, false},
		{"max-body-bytes", "largest accepted request body", &c.MaxBodyBytes, false},
		{"insecure-cookies", "omit the Secure cookie attribute (test beds on plain HTTP only)", &c.InsecureCookies, false},
		{"hsts", "send Strict-Transport-Security (the site is served over HTTPS, e.g. behind a TLS proxy)", &c.HSTS, false},
		{"map-tiles", "tile URL template for the map page, e.g. https://tiles.example/{z}/{x}/{y}.png (empty: no tiles)", &c.MapTiles, false},
		{"trusted-origins", "comma-separated extra origins allowed to POST (behind a proxy)", &c.TrustedOrigins, false},
		{"ledger-key", "PEM file of the ed25519 key that signs ledger checkpoints, created by the first one (default: ledger-key.pem beside the SQLite file, data/ledger-key.pem for PostgreSQL)", &c.LedgerKey, false},
		{"max-upload-bytes", "largest accepted request that uploads evidence (photos, video); each file also has its kind's limit", &c.MaxUploadBytes, false},
		{"report-client-limit", "public reports (/report) one client address may make an hour (0 = no limit)", &c.ReportClientLimit, false},
		{"case-approval", "comma-separated moves an operator makes that wait for a shift lead's approval (file, reject, merge, dispatch, close, reopen, void); extensions always wait", &c.CaseApproval, false},
		{"case-reopen-days", "how many days after closing a reporter or operator may reopen a case", &c.CaseReopenDays, false},
		{"case-warn-at", "comma-separated percentages of a stage's time at which a case shows a warning", &c.CaseWarnAt, false},
		{"duplicate-radius", "metres within which a report of the same category is offered as a duplicate", &c.DuplicateRadius, false},
		{"duplicate-window", "how far back duplicate candidates are sought", &c.DuplicateWindow, false},
		{"public-url", "the site's address as residents and other systems reach it, e.g. https://cg.example.gov.cn (Open311 discovery, tracking links); default http://<addr>", &c.PublicURL, false},
		{"evidence-dir", "directory of the content-addressed evidence files (default: evidence/ beside the SQLite file, data/evidence for PostgreSQL)", &c.EvidenceDir, false},
		{"checkpoint-every", "how often serve signs a ledger checkpoint if the ledger grew (0 = never)", &c.CheckpointEvery, false},
		{"personnel-min-per-10k", "staffing minimum: enforcement officers per 10,000 inhabitants (常住 + 暂住)", &c.PersonnelMinPer10k, false},
	}
}

// EnvName is the environment variable of an option: db → CHENGGUAN_DB.
func EnvName(option string) string {
	return "CHENGGUAN_" + strings.ToUpper(strings.ReplaceAll(option, "-", "_"))
}

// Bind takes defaults from the environment and registers every option as a
// flag on fs, so that flags parsed later override the environment.
func (c *Config) Bind(fs *flag.FlagSet, getenv func(string) string) error {
	var errs []error
	for _, o := range c.options() {
		if v := getenv(EnvName(o.name)); v != "" {
			if err := set(o.ptr, v); err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", EnvName(o.name), err))
			}
		}
		usage := o.usage + " (env " + EnvName(o.name) + ")"
		switch p := o.ptr.(type) {
		case *string:
			fs.StringVar(p, o.name, *p, usage)
		case *int:
			fs.IntVar(p, o.name, *p, usage)
		case *int64:
			fs.Int64Var(p, o.name, *p, usage)
		case *bool:
			fs.BoolVar(p, o.name, *p, usage)
		case *time.Duration:
			fs.DurationVar(p, o.name, *p, usage)
		}
	}
	return errors.Join(errs...)
}

func set(ptr any, v string) error {
	switch p := ptr.(type) {
	case *string:
		*p = v
	case *int:
		n, err := strconv.Atoi(v)
		if err != nil {
			return fmt.Errorf("not an integer: %q", v)
		}
		*p = n
	case *int64:
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return fmt.Errorf("not an integer: %q", v)
		}
		*p = n
	case *bool:
		b, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("not a boolean: %q", v)
		}
		*p = b
	case *time.Duration:
		d, err := time.ParseDuration(v)
		if err != nil {
			return fmt.Errorf("not a duration (e.g. 90m, 12h): %q", v)
		}
		*p = d
	}
	return nil
}

// Validate reports every setting that cannot work.
func (c *Config) Validate() error {
	var errs []error
	if strings.TrimSpace(c.DB) == "" {
		errs = append(errs, errors.New("db: empty"))
	}
	if storage.IsPostgres(c.DB) {
		if _, err := url.Parse(c.DB); err != nil {
			errs = append(errs, errors.New("db: not a valid URL"))
		}
	}
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		errs = append(errs, fmt.Errorf("addr: %q is not host:port", c.Addr))
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		errs = append(errs, fmt.Errorf("log-level: %q is not debug, info, warn or error", c.LogLevel))
	}
	if c.SessionTTL < time.Minute || c.SessionIdle < time.Minute || c.SessionIdle > c.SessionTTL {
		errs = append(errs, errors.New("session-ttl and session-idle: at least 1m each, idle no longer than ttl"))
	}
	if c.LoginSlowAfter < 1 || c.LoginLockAfter <= c.LoginSlowAfter {
		errs = append(errs, errors.New("login-slow-after must be ≥ 1 and login-lock-after greater than it"))
	}
	if c.PersonnelMinPer10k < 1 || c.PersonnelMinPer10k > 100 {
		errs = append(errs, errors.New("personnel-min-per-10k: 1 to 100"))
	}
	if c.LoginClientLimit < 0 || c.LoginClientWindow < time.Second {
		errs = append(errs, errors.New("login-client-limit must be ≥ 0 and login-client-window at least 1s"))
	}
	if _, err := c.Proxies(); err != nil {
		errs = append(errs, err)
	}
	if c.MaxBodyBytes < 1024 || c.MaxBodyBytes > 1<<30 {
		errs = append(errs, errors.New("max-body-bytes: between 1024 and 1073741824"))
	}
	if c.ReportClientLimit < 0 {
		errs = append(errs, errors.New("report-client-limit: 0 (no limit) or more"))
	}
	if c.MaxUploadBytes < c.MaxBodyBytes || c.MaxUploadBytes > 8<<30 {
		errs = append(errs, errors.New("max-upload-bytes: at least max-body-bytes and at most 8589934592"))
	}
	if c.PublicURL != "" {
		if u, err := url.Parse(c.PublicURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, fmt.Errorf("public-url: %q is not an address like https://host", c.PublicURL))
		}
	}
	for _, o := range c.Origins() {
		if u, err := url.Parse(o); err != nil || u.Scheme == "" || u.Host == "" {
			errs = append(errs, fmt.Errorf("trusted-origins: %q is not an origin like https://host", o))
		}
	}
	if c.CheckpointEvery != 0 && c.CheckpointEvery < time.Second {
		errs = append(errs, errors.New("checkpoint-every: 0 (never) or at least 1s"))
	}
	return errors.Join(errs...)
}

// LedgerKeyPath is the file of the installation key: LedgerKey if set, else
// ledger-key.pem in the directory of the SQLite database, or
// data/ledger-key.pem when the database is PostgreSQL. The key is kept
// beside the data it vouches for, but it must be backed up apart from it.
func (c *Config) LedgerKeyPath() string {
	if c.LedgerKey != "" {
		return c.LedgerKey
	}
	if storage.IsPostgres(c.DB) {
		return filepath.Join("data", "ledger-key.pem")
	}
	return filepath.Join(filepath.Dir(c.DB), "ledger-key.pem")
}

// SiteURL is PublicURL, or http://<addr> without one, with no trailing slash.
func (c *Config) SiteURL() string {
	if c.PublicURL != "" {
		return strings.TrimRight(c.PublicURL, "/")
	}
	return "http://" + c.Addr
}

// EvidenceDirPath is the evidence store's directory: EvidenceDir if set, else
// evidence/ in the directory of the SQLite database, or data/evidence when
// the database is PostgreSQL.
func (c *Config) EvidenceDirPath() string {
	if c.EvidenceDir != "" {
		return c.EvidenceDir
	}
	if storage.IsPostgres(c.DB) {
		return filepath.Join("data", "evidence")
	}
	return filepath.Join(filepath.Dir(c.DB), "evidence")
}

// Proxies parses TrustedProxies.
func (c *Config) Proxies() ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, p := range strings.Split(c.TrustedProxies, ",") {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		pfx, err := netip.ParsePrefix(p)
		if err != nil {
			return nil, fmt.Errorf("trusted-proxies: %q is not a CIDR like 10.0.0.0/8", p)
		}
		out = append(out, pfx)
	}
	return out, nil
}

// Origins splits TrustedOrigins.
func (c *Config) Origins() []string {
	var out []string
	for _, o := range strings.Split(c.TrustedOrigins, ",") {
		if o = strings.TrimSpace(o); o != "" {
			out = append(out, o)
		}
	}
	return out
}

// Fprint writes the effective configuration, one "name = value" line per
// option, with secrets (a database URL's password) masked.
func (c *Config) Fprint(w io.Writer) {
	for _, o := range c.options() {
		v := fmt.Sprint(deref(o.ptr))
		if o.secret {
			v = Mask(v)
		}
		if o.ptr == any(&c.LedgerKey) {
			v = c.LedgerKeyPath() // a path, not a secret: show where the key is
		}
		fmt.Fprintf(w, "%-19s = %s\n", o.name, v)
	}
}

func deref(ptr any) any {
	switch p := ptr.(type) {
	case *string:
		return *p
	case *int:
		return *p
	case *int64:
		return *p
	case *bool:
		return *p
	case *time.Duration:
		return *p
	}
	return ptr
}

// Mask hides the password of a URL and any password= parameter.
func Mask(v string) string {
	u, err := url.Parse(v)
	if err != nil || u.Scheme == "" {
		return v
	}
	q := u.Query()
	for _, k := range []string{"password", "sslpassword"} {
		if q.Has(k) {
			q.Set(k, "xxxxx")
		}
	}
	u.RawQuery = q.Encode()
	return u.Redacted()
}
