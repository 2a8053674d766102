package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"chengguan/internal/demo"
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

// startServer runs "chengguan serve" as a child process on a free port and
// returns its base URL once it answers /readyz.
func startServer(t *testing.T, bin, dsn string) (*exec.Cmd, string) {
	t.Helper()
	cmd := exec.Command(bin, "serve", "--db", dsn, "--addr", "127.0.0.1:0", "--log-level", "warn")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if strings.Contains(sc.Text(), "serving on ") {
				lines <- sc.Text()
			}
		}
		_, _ = io.Copy(io.Discard, stdout)
	}()
	var base string
	select {
	case line := <-lines:
		rest := line[strings.Index(line, "http://"):]
		base = strings.Fields(rest)[0]
	case <-time.After(30 * time.Second):
		t.Fatalf("server did not start; stderr:\n%s", stderr.String())
	}
	for i := 0; i < 100; i++ {
		resp, err := http.Get(base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return cmd, base
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("server not ready; stderr:\n%s", stderr.String())
	return nil, ""
}

// apiToken signs in as a demo account through the login form and issues an
// API token through the API.
func apiToken(t *testing.T, base, username string) string {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	req, _ := http.NewRequest(http.MethodPost, base+"/login",
		strings.NewReader(url.Values{"username": {username}, "password": {demo.Password}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", base)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("login: status %d", resp.StatusCode)
	}
	req, _ = http.NewRequest(http.MethodPost, base+"/api/v1/tokens", strings.NewReader(`{"name":"test"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Origin", base)
	resp, err = c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		Token string `json:"token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != http.StatusCreated {
		t.Fatalf("create token: status %d, %v", resp.StatusCode, err)
	}
	return out.Token
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
		mustRun(t, "", "demo", "--db", dsn)
		cmd, base := startServer(t, bin, dsn)
		token := apiToken(t, base, "admin")
		a := openApp(t, dsn)
		city, err := a.identity.UnitByCode(context.Background(), identity.System(), "419900")
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
		if err := cmd.Process.Kill(); err != nil {
			t.Fatal(err)
		}
		_ = cmd.Wait()
		after := openApp(t, dsn)
		for _, name := range acked {
			if _, err := after.identity.AccountByUsername(context.Background(), identity.System(), name); err != nil {
				t.Errorf("acknowledged account %s lost after kill -9: %v", name, err)
			}
		}
	})
}
