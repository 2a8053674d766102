package cli

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"chengguan/internal/apperr"
	"chengguan/internal/config"
	"chengguan/internal/demo"
	"chengguan/internal/identity"
	"chengguan/internal/storage"
	"chengguan/internal/storage/storagetest"
)

// run invokes the command line as a process would, with its own environment.
func run(t *testing.T, env map[string]string, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = Main(context.Background(), Env{
		Args:   args,
		Getenv: func(k string) string { return env[k] },
		Stdin:  strings.NewReader(stdin),
		Stdout: &out,
		Stderr: &errb,
	})
	return code, out.String(), errb.String()
}

func mustRun(t *testing.T, stdin string, args ...string) string {
	t.Helper()
	code, out, errOut := run(t, nil, stdin, args...)
	if code != 0 {
		t.Fatalf("chengguan %s: exit %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), code, out, errOut)
	}
	return out
}

// demoPasswords reads the passwords "chengguan demo" printed, by username.
func demoPasswords(t *testing.T, out string) map[string]string {
	t.Helper()
	pws := map[string]string{}
	for _, acc := range demo.Accounts() {
		for _, line := range strings.Split(out, "\n") {
			f := strings.Fields(line)
			if len(f) == 4 && f[0] == acc.Username && !strings.HasPrefix(f[3], "(") {
				pws[acc.Username] = f[3]
			}
		}
	}
	return pws
}

// openApp opens the database the commands wrote, as serve would.
func openApp(t *testing.T, dsn string) *app {
	t.Helper()
	cfg := config.Default()
	cfg.DB = dsn
	a, err := open(context.Background(), &cfg)
	if err != nil {
		t.Fatalf("open %s: %v", dsn, err)
	}
	t.Cleanup(func() { a.db.Close() })
	return a
}

func TestDemoLoadsOnceAndSecondRunChangesNothing(t *testing.T) {
	storagetest.EachDSN(t, func(t *testing.T, dsn string) {
		first := mustRun(t, "", "demo", "--db", dsn)
		if !strings.Contains(first, "25 units, 10 accounts created") {
			t.Fatalf("first demo run: %q", first)
		}
		pws := demoPasswords(t, first)
		if len(pws) != len(demo.Accounts()) || pws["admin"] == pws["operator"] || len(pws["admin"]) != 14 {
			t.Fatalf("the first demo run prints a password per account: %v\n%s", pws, first)
		}
		second := mustRun(t, "", "demo", "--db", dsn)
		if !strings.Contains(second, "nothing changed") || strings.Contains(second, pws["admin"]) {
			t.Fatalf("second demo run (passwords are shown once): %q", second)
		}
		a := openApp(t, dsn)
		ctx := context.Background()
		units, err := a.identity.Units(ctx, identity.System(), identity.UnitFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(units) != 25 {
			t.Fatalf("units after two demo runs: got %d, want 25", len(units))
		}
		counts := map[identity.UnitKind]int{}
		for _, u := range units {
			counts[u.Kind]++
		}
		want := map[identity.UnitKind]int{identity.KindCity: 1, identity.KindDistrict: 2, identity.KindStreet: 4,
			identity.KindCommunity: 8, identity.KindSquad: 2, identity.KindSupervision: 1, identity.KindCommand: 1,
			identity.KindDepartment: 6}
		for k, n := range want {
			if counts[k] != n {
				t.Errorf("demo units of kind %s: got %d, want %d", k, counts[k], n)
			}
		}
		for _, role := range identity.Roles() {
			_, n, err := a.identity.Accounts(ctx, identity.System(), identity.AccountFilter{Role: role, Limit: 10})
			if err != nil {
				t.Fatal(err)
			}
			if n != 1 {
				t.Errorf("demo accounts with role %s: got %d, want 1", role, n)
			}
		}
		if _, _, err := a.identity.Login(ctx, "admin", pws["admin"]); err != nil {
			t.Fatalf("demo admin cannot sign in with the printed password: %v", err)
		}
	})
}

func TestAPIKeyAddPrintsKeyOnLastLineAndStoresOnlyItsHash(t *testing.T) {
	storagetest.EachDSN(t, func(t *testing.T, dsn string) {
		out := mustRun(t, "", "apikey", "add", "--db", dsn, "--name", "城市服务 App")
		lines := strings.Split(strings.TrimSpace(out), "\n")
		key := lines[len(lines)-1]
		if !strings.HasPrefix(key, "cgk_") || len(key) < 40 {
			t.Fatalf("last line is not a key: %q", key)
		}
		a := openApp(t, dsn)
		ctx := context.Background()
		if _, err := a.identity.VerifyOpen311Key(ctx, key); err != nil {
			t.Fatalf("issued key does not verify: %v", err)
		}
		var n int
		if err := a.db.Reader().QueryRowContext(ctx,
			`SELECT COUNT(*) FROM open311_keys WHERE key_hash = $1 OR name = $1 OR id = $2`, key, "00000000-0000-0000-0000-000000000000").Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Fatalf("the key itself is stored in open311_keys")
		}
		if _, err := a.identity.VerifyOpen311Key(ctx, key+"x"); !apperr.Is(err, apperr.Forbidden) {
			t.Fatalf("a wrong key: got %v, want forbidden", err)
		}
	})
}

func TestUserAddReadsPasswordFromStdin(t *testing.T) {
	storagetest.EachDSN(t, func(t *testing.T, dsn string) {
		mustRun(t, "", "unit", "add", "--db", dsn, "--code", "410400", "--name", "平顶山市", "--kind", "city")
		mustRun(t, "", "unit", "add", "--db", dsn, "--code", "410402", "--name", "新华区", "--kind", "district", "--parent", "410400")
		mustRun(t, "a-long-password-1\n", "user", "add", "--db", dsn, "--username", "Li.Ming", "--role", "admin", "--unit", "410402", "--name", "李明")
		a := openApp(t, dsn)
		_, acc, err := a.identity.Login(context.Background(), "li.ming", "a-long-password-1")
		if err != nil {
			t.Fatalf("new account cannot sign in: %v", err)
		}
		if len(acc.Assignments) != 1 || acc.Assignments[0].Role != identity.RoleAdmin || acc.Assignments[0].UnitCode != "410402" {
			t.Fatalf("assignments: %+v", acc.Assignments)
		}
	})
}

func TestUserUnlockClearsLockout(t *testing.T) {
	dsn := storagetest.SQLiteDSN(t)
	pws := demoPasswords(t, mustRun(t, "", "demo", "--db", dsn))
	a := openApp(t, dsn)
	ctx := context.Background()
	acc, err := a.identity.AccountByUsername(ctx, identity.System(), "officer")
	if err != nil {
		t.Fatal(err)
	}
	if err := a.db.Transact(ctx, func(q storage.Querier) error {
		_, err := q.ExecContext(ctx, `UPDATE accounts SET locked_at = $2, failed_logins = 10 WHERE id = $1`, acc.ID, acc.CreatedAt.UnixMilli())
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := a.identity.Login(ctx, "officer", pws["officer"]); !apperr.Is(err, apperr.AccountLocked) {
		t.Fatalf("locked account: got %v, want account_locked", err)
	}
	mustRun(t, "", "user", "unlock", "--db", dsn, "--username", "officer")
	if _, _, err := a.identity.Login(ctx, "officer", pws["officer"]); err != nil {
		t.Fatalf("after unlock: %v", err)
	}
}

func TestCommandLineMistakesExitTwoWithAReason(t *testing.T) {
	dsn := storagetest.SQLiteDSN(t)
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"unknown command", []string{"frobnicate"}, "unknown command"},
		{"missing flags", []string{"user", "add", "--db", dsn}, "--username, --role and --unit are required"},
		{"unknown role", []string{"user", "add", "--db", dsn, "--username", "x1", "--role", "mayor", "--unit", "1"}, "unknown role"},
		{"bad flag value", []string{"serve", "--db", dsn, "--session-ttl", "forever"}, "invalid value"},
		{"bad config", []string{"config", "--db", dsn, "--log-level", "loud"}, "log-level"},
		{"stray argument", []string{"migrate", "--db", dsn, "extra"}, "unexpected arguments"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, _, errOut := run(t, nil, "", c.args...)
			if code != 2 {
				t.Fatalf("exit code: got %d, want 2 (stderr %q)", code, errOut)
			}
			if !strings.Contains(errOut, c.want) {
				t.Fatalf("stderr %q does not say %q", errOut, c.want)
			}
		})
	}
}

func TestConfigPrintsEnvironmentAndFlagsWithSecretsMasked(t *testing.T) {
	env := map[string]string{
		"CHENGGUAN_DB":        "postgres://cg:hunter2-secret@db.example/cg?sslmode=disable",
		"CHENGGUAN_ADDR":      "0.0.0.0:9000",
		"CHENGGUAN_LOG_LEVEL": "debug",
	}
	code, out, errOut := run(t, env, "", "config", "--addr", "127.0.0.1:7000")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if strings.Contains(out, "hunter2-secret") {
		t.Fatalf("config printed the database password:\n%s", out)
	}
	for _, want := range []string{"postgres://cg:xxxxx@db.example/cg", "addr                = 127.0.0.1:7000", "log-level           = debug"} {
		if !strings.Contains(out, want) {
			t.Errorf("config output lacks %q:\n%s", want, out)
		}
	}
	code, _, errOut = run(t, map[string]string{"CHENGGUAN_LOGIN_LOCK_AFTER": "ten"}, "", "config")
	if code != 2 || !strings.Contains(errOut, "CHENGGUAN_LOGIN_LOCK_AFTER") {
		t.Fatalf("a bad environment value: exit %d, stderr %q", code, errOut)
	}
}

func TestMigrateReportsSchemaVersion(t *testing.T) {
	storagetest.EachDSN(t, func(t *testing.T, dsn string) {
		out := mustRun(t, "", "migrate", "--db", dsn)
		files, err := fs.ReadDir(storage.Migrations(storage.SQLite), ".")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out, fmt.Sprintf("schema version %d", len(files))) {
			t.Fatalf("migrate output: %q", out)
		}
		again := mustRun(t, "", "migrate", "--db", dsn)
		if !strings.Contains(again, "applied 0 migration(s)") {
			t.Fatalf("second migrate: %q", again)
		}
	})
}

func TestAPIKeyCanBeListedAndRevoked(t *testing.T) {
	storagetest.EachDSN(t, func(t *testing.T, dsn string) {
		out := mustRun(t, "", "apikey", "add", "--db", dsn, "--name", "随手拍")
		lines := strings.Split(strings.TrimSpace(out), "\n")
		key := lines[len(lines)-1]
		list := mustRun(t, "", "apikey", "list", "--db", dsn)
		if !strings.Contains(list, "随手拍") || !strings.Contains(list, "active") || strings.Contains(list, key) {
			t.Fatalf("apikey list: %q", list)
		}
		id := strings.Fields(list)[0]
		mustRun(t, "", "apikey", "revoke", "--db", dsn, "--id", id)
		if list := mustRun(t, "", "apikey", "list", "--db", dsn); !strings.Contains(list, "revoked") {
			t.Fatalf("apikey list after revoking: %q", list)
		}
		a := openApp(t, dsn)
		if _, err := a.identity.VerifyOpen311Key(context.Background(), key); !apperr.Is(err, apperr.Forbidden) {
			t.Fatalf("a revoked key: got %v, want forbidden", err)
		}
		code, _, errOut := run(t, nil, "", "apikey", "revoke", "--db", dsn, "--id", "01a1ff9d-0000-7000-8000-000000000000")
		if code != 1 || !strings.Contains(errOut, "No such api_key") {
			t.Fatalf("revoking an unknown key: exit %d, %q", code, errOut)
		}
	})
}

func TestUserPasswdLetsTheOperatorBackInOnce(t *testing.T) {
	dsn := storagetest.SQLiteDSN(t)
	mustRun(t, "", "demo", "--db", dsn)
	mustRun(t, "temporary-pass-9\n", "user", "passwd", "--db", dsn, "--username", "admin")
	a := openApp(t, dsn)
	_, acc, err := a.identity.Login(context.Background(), "admin", "temporary-pass-9")
	if err != nil {
		t.Fatalf("sign-in with the operator's password: %v", err)
	}
	if !acc.MustChangePassword {
		t.Fatal("the operator's password does not have to be changed")
	}
}

func TestCalendarDuePrintsTheAPIAnswer(t *testing.T) {
	dsn := storagetest.SQLiteDSN(t)
	out := mustRun(t, "", "calendar", "due", "--db", dsn, "--start", "2026-09-30", "--amount", "7", "--unit", "workday")
	if out != `{"due":"2026-10-15","provisional":false}`+"\n" {
		t.Fatalf("calendar due: %q", out)
	}
	code, _, errOut := run(t, nil, "", "calendar", "due", "--db", dsn, "--start", "2026-09-30", "--amount", "7", "--unit", "fortnight")
	if code != 1 || !strings.Contains(errOut, "unit") {
		t.Fatalf("a bad unit: exit %d, %q", code, errOut)
	}
}

func TestCalendarSetEntersAYearThatDeadlinesThenUse(t *testing.T) {
	dsn := storagetest.SQLiteDSN(t)
	before := mustRun(t, "", "calendar", "due", "--db", dsn, "--start", "2026-12-31", "--amount", "1", "--unit", "workday")
	if before != `{"due":"2027-01-01","provisional":true}`+"\n" {
		t.Fatalf("before 2027 is entered: %q", before)
	}
	file := filepath.Join(t.TempDir(), "2027.json")
	table := `{"year":2027,"notice":"test","off":[{"date":"2027-01-01","name":"元旦"}],"work":[]}`
	if err := os.WriteFile(file, []byte(table), 0o600); err != nil {
		t.Fatal(err)
	}
	mustRun(t, "", "calendar", "set", "--db", dsn, "--file", file)
	after := mustRun(t, "", "calendar", "due", "--db", dsn, "--start", "2026-12-31", "--amount", "1", "--unit", "workday")
	if after != `{"due":"2027-01-04","provisional":false}`+"\n" {
		t.Fatalf("after 2027 is entered: %q", after)
	}
	if err := os.WriteFile(file, []byte(`{"year":2027,"off":[{"date":"2027-01-04","name":"x"}],"work":[{"date":"2027-01-04","name":"x"}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, _, errOut := run(t, nil, "", "calendar", "set", "--db", dsn, "--file", file); code == 0 {
		t.Fatalf("a contradictory table was accepted: %q", errOut)
	}
}
