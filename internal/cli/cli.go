// Package cli is the chengguan command line: it parses arguments, builds
// the configuration once, wires the stores and services, and runs one
// command. It holds no business rules.
package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"chengguan/internal/apperr"
	"chengguan/internal/buildinfo"
	"chengguan/internal/calendar"
	"chengguan/internal/config"
	"chengguan/internal/demo"
	"chengguan/internal/evidence"
	"chengguan/internal/grid"
	"chengguan/internal/i18n"
	"chengguan/internal/identity"
	"chengguan/internal/ids"
	"chengguan/internal/personnel"
	"chengguan/internal/storage"
	"chengguan/internal/urban"
	"chengguan/internal/urban/taxonomy"
	"chengguan/internal/web"
)

// Env is the outside world of one invocation.
type Env struct {
	Args   []string // without the program name
	Getenv func(string) string
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
}

const usage = `chengguan — city management enforcement and digital urban management platform

Usage: chengguan <command> [flags]

Commands:
  serve          run the web server (migrates the database first)
  migrate        apply pending database migrations
  demo           load the demo city 示范市 (idempotent)
  unit add       add an organisation unit: --code --name --kind [--parent CODE] [--name-en]
  user add       add an account: --username --role --unit [--name]; password on stdin
  user unlock    clear a lockout after failed logins: --username
  user passwd    set a new password (read from stdin) that must be changed at next sign-in: --username
  apikey add     issue an Open311 api_key: --name; the key is the last line printed
  apikey list    list Open311 api_keys (never the keys themselves)
  apikey revoke  stop accepting an Open311 api_key: --id
  calendar due   a statutory deadline as JSON: --start S --amount N --unit workday|workhour|day|hour
  calendar set   enter a year's holiday table from the State Council notice: --file YEAR.json
  grid import    import unit grids (单元网格) from GeoJSON as the new version in force, all or nothing:
                 --file F.geojson [--name N] [--code-length 14|15]
  grid areas import
                 import responsibility areas (责任区) from GeoJSON as the new version in force, all or
                 nothing: --file F.geojson [--name N]
  grid areas list
                 list the responsibility areas in force: code, kind, unit, categories, name
  category import
                 import the 部件/事件 catalogue from CSV (UTF-8 or GB18030), all or nothing:
                 --file F.csv; every problem is printed with its line
  category export
                 write the catalogue as CSV (UTF-8 with BOM): [--out FILE]
  personnel import
                 import an xlsx sheet of the roster, certificates or equipment, all or nothing:
                 --file F.xlsx [--kind roster|certificates|equipment]
  ledger checkpoint
                 sign the ledger's head with the installation key, store it, print its JSON: [--out FILE]
  ledger verify  check the ledger's hash chain and checkpoints: [--checkpoint FILE ...] [--public-key FILE ...]
  ledger pubkey  print the installation key's public half (PEM), for whoever keeps the checkpoints
  bench me       load-test GET /api/v1/me on a child server: [--rate --connections --duration]
  config         print the effective configuration, secrets masked
  version        print the version

Every command takes --db (a SQLite file path or a postgres:// URL) and the
other flags of "chengguan config"; each flag may also be set by its
CHENGGUAN_* environment variable. Run "chengguan <command> -h" for flags.
`

// Main runs one command and returns the process exit code.
func Main(ctx context.Context, env Env) int {
	if len(env.Args) == 0 || env.Args[0] == "-h" || env.Args[0] == "--help" || env.Args[0] == "help" {
		fmt.Fprint(env.Stdout, usage)
		if len(env.Args) == 0 {
			return 2
		}
		return 0
	}
	name, args := env.Args[0], env.Args[1:]
	if (name == "user" || name == "apikey" || name == "unit" || name == "bench" || name == "calendar" || name == "ledger" || name == "grid" || name == "category" || name == "personnel") && len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		name, args = name+" "+args[0], args[1:]
	}
	if name == "grid areas" && len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		name, args = name+" "+args[0], args[1:]
	}
	cmd, ok := commands()[name]
	if !ok {
		fmt.Fprintf(env.Stderr, "chengguan: unknown command %q\n\n%s", name, usage)
		return 2
	}
	fs := flag.NewFlagSet("chengguan "+name, flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	cfg := config.Default()
	if err := cfg.Bind(fs, env.Getenv); err != nil {
		fmt.Fprintf(env.Stderr, "chengguan: %v\n", err)
		return 2
	}
	run := cmd(fs)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(env.Stderr, "chengguan %s: unexpected arguments: %s\n", name, strings.Join(fs.Args(), " "))
		return 2
	}
	if err := cfg.Validate(); err != nil {
		fmt.Fprintf(env.Stderr, "chengguan: invalid configuration:\n%v\n", err)
		return 2
	}
	if err := run(ctx, &cfg, env); err != nil {
		var ue usageError
		if errors.As(err, &ue) {
			fmt.Fprintf(env.Stderr, "chengguan %s: %v\n", name, err)
			return 2
		}
		fmt.Fprintf(env.Stderr, "chengguan %s: %s\n", name, describe(err))
		return 1
	}
	return 0
}

// usageError is a mistake in the command line.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

// describe renders an error for a terminal, in English.
func describe(err error) string {
	e := apperr.As(err)
	if e.Code == apperr.Internal {
		return err.Error()
	}
	en, lerr := i18n.New()
	if lerr != nil {
		return err.Error()
	}
	loc := en.For(i18n.EN)
	msg := loc.T(e.MessageKey(), e.Args)
	for _, f := range e.Fields {
		msg += fmt.Sprintf("\n  %s: %s", f.Field, loc.T(f.Key, f.Args))
	}
	return msg
}

type runFunc func(ctx context.Context, cfg *config.Config, env Env) error

func commands() map[string]func(fs *flag.FlagSet) runFunc {
	return map[string]func(fs *flag.FlagSet) runFunc{
		"serve":             func(*flag.FlagSet) runFunc { return serve },
		"migrate":           func(*flag.FlagSet) runFunc { return migrate },
		"demo":              loadDemo,
		"unit add":          unitAdd,
		"user add":          userAdd,
		"user unlock":       userUnlock,
		"user passwd":       userPasswd,
		"apikey add":        apikeyAdd,
		"apikey list":       func(*flag.FlagSet) runFunc { return apikeyList },
		"apikey revoke":     apikeyRevoke,
		"bench me":          benchMe,
		"bench cases":       benchCases,
		"calendar due":      calendarDue,
		"calendar set":      calendarSet,
		"grid import":       gridImport,
		"grid areas import": gridAreasImport,
		"grid areas list":   func(*flag.FlagSet) runFunc { return gridAreasList },
		"category import":   categoryImport,
		"category export":   categoryExport,
		"personnel import":  personnelImport,
		"ledger checkpoint": ledgerCheckpoint,
		"ledger verify":     ledgerVerify,
		"ledger pubkey":     ledgerPubkey,
		"config": func(*flag.FlagSet) runFunc {
			return func(_ context.Context, cfg *config.Config, env Env) error {
				cfg.Fprint(env.Stdout)
				return nil
			}
		},
		"version": func(*flag.FlagSet) runFunc {
			return func(_ context.Context, _ *config.Config, env Env) error {
				fmt.Fprintf(env.Stdout, "chengguan %s\n", buildinfo.Version)
				return nil
			}
		},
	}
}

// app is the wired application of one process.
type app struct {
	db       *storage.DB
	identity *identity.Service
	calendar *calendar.Service
	grid     *grid.Service
	areas    *grid.AreaService
	taxonomy *taxonomy.Service
	// personnel is the enforcement personnel subsystem (issue 5).
	personnel *personnel.Service
}

// open opens and migrates the database and builds the services.
func open(ctx context.Context, cfg *config.Config) (*app, error) {
	db, err := storage.Open(ctx, cfg.DB)
	if err != nil {
		return nil, err
	}
	if _, err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	svc, err := identity.NewService(storage.NewIdentityStore(db), identity.Options{
		SessionTTL: cfg.SessionTTL, SessionIdle: cfg.SessionIdle,
		SlowAfter: cfg.LoginSlowAfter, LockAfter: cfg.LoginLockAfter,
	})
	if err != nil {
		db.Close()
		return nil, err
	}
	cal := calendar.NewService(storage.NewCalendarStore(db), ids.New, nil)
	return &app{db: db, identity: svc, calendar: cal, grid: grid.NewService(storage.NewGridStore(db), ids.New, nil),
		areas:     grid.NewAreaService(storage.NewGridStore(db), storage.NewIdentityStore(db), ids.New, nil),
		taxonomy:  taxonomy.NewService(storage.NewTaxonomyStore(db), storage.NewIdentityStore(db), cal, ids.New, nil),
		personnel: personnel.NewService(storage.NewPersonnelStore(db), ids.New, nil, personnel.Options{MinPer10k: float64(cfg.PersonnelMinPer10k)})}, nil
}

// cases builds the closed loop's service with the evidence store, which
// only the commands that take evidence open (opening creates its directory).
func (a *app) cases(cfg *config.Config) (*urban.Service, error) {
	loop, err := urban.ParseConfig(cfg.CaseApproval, cfg.CaseReopenDays, cfg.CaseWarnAt, cfg.DuplicateRadius, cfg.DuplicateWindow)
	if err != nil {
		return nil, usageError{err.Error()}
	}
	blobs, err := evidence.Open(cfg.EvidenceDirPath(), evidence.Limits{})
	if err != nil {
		return nil, err
	}
	return urban.NewService(urban.Deps{Store: storage.NewUrbanStore(a.db), Units: a.identity.UnitLookup(),
		Categories: urban.Catalogue{Taxonomy: a.taxonomy}, Calendar: a.calendar, Grid: a.grid, Evidence: blobs,
		Config: loop, NewID: ids.New, Areas: a.areas}), nil
}

// escalationLoop escalates overdue cases every period until ctx ends. Any
// number of nodes may run it: a case is escalated once.
func escalationLoop(ctx context.Context, log *slog.Logger, cases *urban.Service, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if n, err := cases.Escalate(ctx, time.Now()); err != nil && ctx.Err() == nil {
			log.Error("escalating overdue cases", "err", err)
		} else if n > 0 {
			log.Info("escalated overdue cases", "cases", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// withApp opens and migrates the database, builds the services, runs fn
// and closes the database again: the frame of every command that works on
// stored data.
func withApp(ctx context.Context, cfg *config.Config, fn func(a *app) error) error {
	a, err := open(ctx, cfg)
	if err != nil {
		return err
	}
	defer a.db.Close()
	return fn(a)
}

func migrate(ctx context.Context, cfg *config.Config, env Env) error {
	db, err := storage.Open(ctx, cfg.DB)
	if err != nil {
		return err
	}
	defer db.Close()
	applied, err := db.Migrate(ctx)
	if err != nil {
		return err
	}
	current, _, err := db.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "applied %d migration(s); schema version %d (%s)\n", len(applied), current, db.Dialect)
	return nil
}

func loadDemo(fs *flag.FlagSet) runFunc {
	cases := fs.Int("cases", 0, "also generate this many synthetic cases over the past year (for load tests)")
	seed := fs.Uint64("seed", 1, "seed of the synthetic cases: the same seed gives the same cases")
	return func(ctx context.Context, cfg *config.Config, env Env) error {
		if *cases < 0 || *cases > 20_000_000 {
			return usageError{"--cases: between 0 and 20000000"}
		}
		if err := loadDemoCity(ctx, cfg, env); err != nil {
			return err
		}
		if *cases == 0 {
			return nil
		}
		return withApp(ctx, cfg, func(a *app) error {
			start := time.Now()
			err := demo.SyntheticCases(ctx, a.identity, a.grid, a.taxonomy, storage.NewUrbanStore(a.db), *cases, *seed, start,
				func(done int) {
					if done%100_000 == 0 || done == *cases {
						fmt.Fprintf(env.Stdout, "synthetic cases: %d of %d (%s)\n", done, *cases, time.Since(start).Round(time.Second))
					}
				})
			return err
		})
	}
}

func loadDemoCity(ctx context.Context, cfg *config.Config, env Env) error {
	return withApp(ctx, cfg, func(a *app) error {
		res, err := demo.Load(ctx, a.identity, demo.RandomPassword)
		if err != nil {
			return err
		}
		gv, gridCreated, err := demo.LoadGrid(ctx, a.grid)
		if err != nil {
			return err
		}
		av, areasCreated, err := demo.LoadAreas(ctx, a.areas)
		if err != nil {
			return err
		}
		catRep, catsCreated, err := demo.LoadCategories(ctx, a.taxonomy)
		if err != nil {
			return err
		}
		pres, err := demo.LoadPersonnel(ctx, a.identity, a.personnel, time.Now())
		if err != nil {
			return err
		}
		w := env.Stdout
		if res.UnitsCreated+res.AccountsCreated == 0 && !gridCreated && !areasCreated && !catsCreated && pres.People == 0 {
			fmt.Fprintln(w, "demo city 示范市 already loaded; nothing changed")
		} else {
			fmt.Fprintf(w, "demo city 示范市 loaded: %d units, %d accounts created\n", res.UnitsCreated, res.AccountsCreated)
		}
		if gridCreated {
			fmt.Fprintf(w, "demo unit grid imported as grid version %d: %d cells\n", gv.ID, gv.Cells)
		} else {
			fmt.Fprintf(w, "unit grid in force: version %d (%s), %d cells\n", gv.ID, gv.Name, gv.Cells)
		}
		if areasCreated {
			fmt.Fprintf(w, "demo responsibility areas imported as area version %d: %d areas\n", av.ID, av.Areas)
		} else {
			fmt.Fprintf(w, "responsibility areas in force: version %d (%s), %d areas\n", av.ID, av.Name, av.Areas)
		}
		if catsCreated {
			fmt.Fprintf(w, "demo 部件/事件 catalogue imported: %d categories\n", catRep.Created)
		} else {
			fmt.Fprintf(w, "部件/事件 catalogue in place: %d categories\n", catRep.Rows)
		}
		if pres.People > 0 {
			fmt.Fprintf(w, "demo personnel loaded: %d people, %d certificates, %d items of equipment, %d trainings\n",
				pres.People, pres.Certificates, pres.Equipment, pres.Trainings)
		}
		fmt.Fprintln(w, "\nDemo accounts — DEMO ONLY. A password is shown once, when its account is created.")
		fmt.Fprintln(w, "To set a new one: echo 'new-password' | chengguan user passwd --username NAME")
		for _, acc := range demo.Accounts() {
			pw, ok := res.Passwords[acc.Username]
			if !ok {
				pw = "(shown when created)"
			}
			fmt.Fprintf(w, "  %-11s %-15s %-7s %s\n", acc.Username, acc.Role, acc.DisplayName, pw)
		}
		return nil
	})
}

func readPassword(r io.Reader) (string, error) {
	line, err := bufio.NewReader(io.LimitReader(r, 4096)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", err
	}
	pw := strings.TrimRight(line, "\r\n")
	if pw == "" {
		return "", usageError{"no password on stdin (pipe it in: echo 'secret' | chengguan user add …)"}
	}
	return pw, nil
}

func unitAdd(fs *flag.FlagSet) runFunc {
	code := fs.String("code", "", "unique unit code, e.g. the administrative division code")
	name := fs.String("name", "", "Chinese name")
	nameEN := fs.String("name-en", "", "English name (optional)")
	kind := fs.String("kind", "", "kind: "+kindNames())
	parent := fs.String("parent", "", "code of the parent unit (omit for a city)")
	return func(ctx context.Context, cfg *config.Config, env Env) error {
		if *code == "" || *name == "" || *kind == "" {
			return usageError{"--code, --name and --kind are required"}
		}
		return withApp(ctx, cfg, func(a *app) error {
			sys := identity.System()
			in := identity.UnitInput{Code: *code, Name: *name, NameEN: *nameEN, Kind: identity.UnitKind(*kind)}
			if *parent != "" {
				p, err := a.identity.UnitByCode(ctx, sys, *parent)
				if err != nil {
					if apperr.Is(err, apperr.NotFound) {
						return usageError{fmt.Sprintf("no unit with code %q", *parent)}
					}
					return err
				}
				in.ParentID = p.ID
			}
			u, err := a.identity.CreateUnit(ctx, sys, in)
			if err != nil {
				return err
			}
			fmt.Fprintf(env.Stdout, "unit %s %s created\n", u.Code, u.Name)
			return nil
		})
	}
}

func kindNames() string {
	var names []string
	for _, k := range identity.UnitKinds() {
		names = append(names, string(k))
	}
	return strings.Join(names, ", ")
}

func userAdd(fs *flag.FlagSet) runFunc {
	username := fs.String("username", "", "the new account's username")
	role := fs.String("role", "", "role: "+roleNames())
	unit := fs.String("unit", "", "code of the unit the role is held in")
	name := fs.String("name", "", "display name (defaults to the username)")
	return func(ctx context.Context, cfg *config.Config, env Env) error {
		if *username == "" || *role == "" || *unit == "" {
			return usageError{"--username, --role and --unit are required"}
		}
		if !identity.Role(*role).Valid() {
			return usageError{fmt.Sprintf("unknown role %q; one of: %s", *role, roleNames())}
		}
		pw, err := readPassword(env.Stdin)
		if err != nil {
			return err
		}
		return withApp(ctx, cfg, func(a *app) error {
			sys := identity.System()
			u, err := a.identity.UnitByCode(ctx, sys, *unit)
			if err != nil {
				if apperr.Is(err, apperr.NotFound) {
					return usageError{fmt.Sprintf("no unit with code %q", *unit)}
				}
				return err
			}
			display := *name
			if display == "" {
				display = *username
			}
			acc, err := a.identity.CreateAccount(ctx, sys, identity.AccountInput{Username: *username, DisplayName: display,
				Password: pw, Assignments: []identity.AssignmentInput{{Role: identity.Role(*role), UnitID: u.ID}}})
			if err != nil {
				return err
			}
			fmt.Fprintf(env.Stdout, "account %s created (%s in %s)\n", acc.Username, *role, u.Name)
			return nil
		})
	}
}

func roleNames() string {
	var names []string
	for _, r := range identity.Roles() {
		names = append(names, string(r))
	}
	return strings.Join(names, ", ")
}

func userUnlock(fs *flag.FlagSet) runFunc {
	username := fs.String("username", "", "the locked account's username")
	return func(ctx context.Context, cfg *config.Config, env Env) error {
		if *username == "" {
			return usageError{"--username is required"}
		}
		return withApp(ctx, cfg, func(a *app) error {
			sys := identity.System()
			acc, err := a.identity.AccountByUsername(ctx, sys, *username)
			if err != nil {
				return err
			}
			if _, err := a.identity.Unlock(ctx, sys, acc.ID); err != nil {
				return err
			}
			fmt.Fprintf(env.Stdout, "account %s unlocked\n", acc.Username)
			return nil
		})
	}
}

// userPasswd is the server operator's way back in when no administrator
// can sign in: the new password works once and must then be changed.
func userPasswd(fs *flag.FlagSet) runFunc {
	username := fs.String("username", "", "the account's username")
	return func(ctx context.Context, cfg *config.Config, env Env) error {
		if *username == "" {
			return usageError{"--username is required"}
		}
		pw, err := readPassword(env.Stdin)
		if err != nil {
			return err
		}
		return withApp(ctx, cfg, func(a *app) error {
			sys := identity.System()
			acc, err := a.identity.AccountByUsername(ctx, sys, *username)
			if err != nil {
				return err
			}
			if _, err := a.identity.ResetPassword(ctx, sys, acc.ID, pw); err != nil {
				return err
			}
			fmt.Fprintf(env.Stdout, "password of %s set; it must be changed at the next sign-in, and every session and API token of the account has ended\n", acc.Username)
			return nil
		})
	}
}

func apikeyAdd(fs *flag.FlagSet) runFunc {
	name := fs.String("name", "", "name of the app or organisation the key is for")
	return func(ctx context.Context, cfg *config.Config, env Env) error {
		if *name == "" {
			return usageError{"--name is required"}
		}
		return withApp(ctx, cfg, func(a *app) error {
			key, k, err := a.identity.CreateOpen311Key(ctx, identity.System(), *name)
			if err != nil {
				return err
			}
			fmt.Fprintf(env.Stdout, "Open311 api_key %q created (id %s). Only its hash is stored: keep the key now.\n", k.Name, k.ID)
			fmt.Fprintln(env.Stdout, key)
			return nil
		})
	}
}

func apikeyList(ctx context.Context, cfg *config.Config, env Env) error {
	return withApp(ctx, cfg, func(a *app) error {
		keys, err := a.identity.Open311Keys(ctx, identity.System())
		if err != nil {
			return err
		}
		for _, k := range keys {
			status := "active"
			if !k.RevokedAt.IsZero() {
				status = "revoked " + k.RevokedAt.Format(time.RFC3339)
			}
			fmt.Fprintf(env.Stdout, "%s  %s  created %s  %s\n", k.ID, k.Name, k.CreatedAt.Format(time.RFC3339), status)
		}
		return nil
	})
}

func apikeyRevoke(fs *flag.FlagSet) runFunc {
	id := fs.String("id", "", "id of the key, from chengguan apikey list")
	return func(ctx context.Context, cfg *config.Config, env Env) error {
		if *id == "" {
			return usageError{"--id is required"}
		}
		return withApp(ctx, cfg, func(a *app) error {
			if err := a.identity.RevokeOpen311Key(ctx, identity.System(), *id); err != nil {
				return err
			}
			fmt.Fprintf(env.Stdout, "Open311 api_key %s revoked\n", *id)
			return nil
		})
	}
}

// calendarDue prints what GET /api/v1/calendar/due answers, on the
// calendar in force in the database (official tables and entered ones).
func calendarDue(fs *flag.FlagSet) runFunc {
	start := fs.String("start", "", "start: YYYY-MM-DD or RFC 3339")
	amount := fs.Int("amount", -1, "length of the period")
	unit := fs.String("unit", "", "workday, workhour, day or hour")
	return func(ctx context.Context, cfg *config.Config, env Env) error {
		if *start == "" || *amount < 0 || *unit == "" {
			return usageError{"--start, --amount (≥ 0) and --unit are required"}
		}
		return withApp(ctx, cfg, func(a *app) error {
			cal, err := a.calendar.Calendar(ctx)
			if err != nil {
				return err
			}
			res, err := web.CalendarDue(cal, calendar.DefaultHours(), *start, *amount, *unit)
			if err != nil {
				return err
			}
			return json.NewEncoder(env.Stdout).Encode(res)
		})
	}
}

// calendarSet enters a year's table from a JSON file (the form of
// GET /api/v1/calendar/years and of the embedded official tables).
func calendarSet(fs *flag.FlagSet) runFunc {
	file := fs.String("file", "", "JSON file of one year's table")
	return func(ctx context.Context, cfg *config.Config, env Env) error {
		if *file == "" {
			return usageError{"--file is required"}
		}
		raw, err := os.ReadFile(*file)
		if err != nil {
			return usageError{err.Error()}
		}
		y, err := calendar.ParseYear(raw)
		if err != nil {
			return usageError{fmt.Sprintf("%s: %v", *file, err)}
		}
		return withApp(ctx, cfg, func(a *app) error {
			if err := a.calendar.SetYear(ctx, identity.System(), y); err != nil {
				return err
			}
			fmt.Fprintf(env.Stdout, "calendar %d entered: %d days off, %d make-up working days\n", y.Year, len(y.Off), len(y.Work))
			return nil
		})
	}
}

func newLogger(cfg *config.Config, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.LogLevel)) // validated by config.Validate
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level}))
}

// serveGCPercent is the server's GOGC unless the environment sets one: a server's live
// heap is small and most of what it allocates dies with the request, so collecting
// half as often costs a few MiB and gives 10–30 % more throughput on a busy list
// (docs/performance.md, docs/operations.md).
const serveGCPercent = 200

func serve(ctx context.Context, cfg *config.Config, env Env) error {
	log := newLogger(cfg, env.Stderr)
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(serveGCPercent)
	}
	return withApp(ctx, cfg, func(a *app) error {
		bundle, err := i18n.New()
		if err != nil {
			return err
		}
		cases, err := a.cases(cfg)
		if err != nil {
			return err
		}
		// A new holiday table or new working hours move open deadlines; one
		// recomputation runs at a time, and one more after it if another change came.
		recompute := make(chan struct{}, 1)
		a.calendar.OnChange(func(context.Context) {
			select {
			case recompute <- struct{}{}:
			default:
			}
		})
		recomputeDone := make(chan struct{})
		recomputeCtx, stopRecompute := context.WithCancel(ctx)
		go func() {
			defer close(recomputeDone)
			for {
				select {
				case <-recomputeCtx.Done():
					return
				case <-recompute:
				}
				changed, skipped, err := cases.RecomputeDeadlines(recomputeCtx)
				if err != nil && recomputeCtx.Err() == nil {
					log.Error("recomputing open deadlines", "err", err)
				}
				log.Info("open deadlines recomputed after a calendar change", "changed", changed, "skipped_extended", skipped)
			}
		}()
		defer func() { stopRecompute(); <-recomputeDone }()
		srv, err := web.New(web.Deps{Config: *cfg, DB: a.db, Identity: a.identity, Calendar: a.calendar, Grid: a.grid, Areas: a.areas, Taxonomy: a.taxonomy, Personnel: a.personnel,
			Ledger: storage.NewLedgerStore(a.db), Urban: cases, I18n: bundle, Log: log})
		if err != nil {
			return err
		}
		ln, err := net.Listen("tcp", cfg.Addr)
		if err != nil {
			return err
		}
		hs := &http.Server{
			Handler:           srv.Handler(),
			ReadHeaderTimeout: 10 * time.Second,
			ReadTimeout:       60 * time.Second,
			WriteTimeout:      120 * time.Second,
			IdleTimeout:       120 * time.Second,
			MaxHeaderBytes:    64 << 10,
			ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		}
		ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
		defer stop()
		if cfg.CheckpointEvery > 0 {
			// Stopped and waited for before the database closes.
			loopCtx, cancelLoop := context.WithCancel(ctx)
			loopDone := make(chan struct{})
			go func() {
				defer close(loopDone)
				checkpointLoop(loopCtx, log, storage.NewLedgerStore(a.db), cfg.LedgerKeyPath(), cfg.CheckpointEvery)
			}()
			defer func() { cancelLoop(); <-loopDone }()
		}
		{
			loopCtx, cancelLoop := context.WithCancel(ctx)
			loopDone := make(chan struct{})
			go func() {
				defer close(loopDone)
				escalationLoop(loopCtx, log, cases, time.Minute)
			}()
			defer func() { cancelLoop(); <-loopDone }()
		}
		errc := make(chan error, 1)
		go func() { errc <- hs.Serve(ln) }()
		log.Info("serving", "addr", ln.Addr().String(), "database", string(a.db.Dialect), "version", buildinfo.Version)
		fmt.Fprintf(env.Stdout, "chengguan %s serving on http://%s (%s) — press Ctrl-C to stop\n", buildinfo.Version, ln.Addr(), a.db.Dialect)
		select {
		case err := <-errc:
			return err
		case <-ctx.Done():
		}
		log.Info("shutting down")
		shutdown, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		return hs.Shutdown(shutdown)
	})
}
