package cli

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"chengguan/internal/identity"
	"chengguan/internal/storage/storagetest"
)

// buildBinary compiles chengguan once per test binary run.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "chengguan")
	cmd := exec.Command("go", "build", "-o", bin, "chengguan/cmd/chengguan")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func TestServeMigratesAndShutsDownCleanly(t *testing.T) {
	dsn := storagetest.SQLiteDSN(t)
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan int, 1)
	go func() {
		done <- Main(ctx, Env{Args: []string{"serve", "--db", dsn, "--addr", "127.0.0.1:0", "--log-level", "error"},
			Getenv: func(string) string { return "" }, Stdin: strings.NewReader(""), Stdout: pw, Stderr: io.Discard})
		pw.Close()
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatalf("no startup line: %v", err)
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	base := strings.Fields(line[strings.Index(line, "http://"):])[0]
	resp, err := http.Get(base + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("readyz of a freshly migrated database: %d", resp.StatusCode)
	}
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("serve exit code after shutdown: %d", code)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not shut down")
	}
}

// TestAcknowledgedWritesSurviveKill9 creates accounts through the API, kills
// the server with SIGKILL right after the last answer, and finds every
// acknowledged account in the database.
func TestAcknowledgedWritesSurviveKill9(t *testing.T) {
	bin := buildBinary(t)
	storagetest.EachDSN(t, func(t *testing.T, dsn string) {
		pws := demoPasswords(t, mustRun(t, "", "demo", "--db", dsn))
		ctx := context.Background()
		srv, err := startChild(ctx, bin, dsn, "warn")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(srv.stop)
		base := srv.base
		token, err := demoAPIToken(ctx, base, "admin", pws["admin"])
		if err != nil {
			t.Fatal(err)
		}
		a := openApp(t, dsn)
		city, err := a.identity.UnitByCode(ctx, identity.System(), "419900")
		if err != nil {
			t.Fatal(err)
		}
		var acked []string
		for i := 0; i < 25; i++ {
			name := fmt.Sprintf("durable%02d", i)
			body := fmt.Sprintf(`{"username":%q,"display_name":"持久%d","password":"a-long-password","roles":[{"role":"inspector","unit_id":%q}]}`, name, i, city.ID)
			req, _ := http.NewRequest(http.MethodPost, base+"/api/v1/accounts", strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+token)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusCreated {
				t.Fatalf("create %s: status %d", name, resp.StatusCode)
			}
			acked = append(acked, name)
		}
		if err := srv.cmd.Process.Kill(); err != nil {
			t.Fatal(err)
		}
		_ = srv.cmd.Wait()
		after := openApp(t, dsn)
		for _, name := range acked {
			if _, err := after.identity.AccountByUsername(context.Background(), identity.System(), name); err != nil {
				t.Errorf("acknowledged account %s lost after kill -9: %v", name, err)
			}
		}
	})
}
